using Omni2.Host.Api;
using Omni2.Host.Auth;
using Omni2.Host.Silo;

namespace Omni2.Host.Dashboard;

/// <summary>
/// The browser dashboard: the static files Vite builds into <c>wwwroot</c> (from <c>Dashboard/web</c>),
/// served anonymously at <c>/</c>; the page itself signs in with a token. In the embedded default
/// only, <c>/api/v1/auth/dev-token</c> hands out short-lived tokens for a one-click sign-in.
/// </summary>
public static class DashboardSetup
{
    public const string DevTokenPath = "/api/v1/auth/dev-token";
    public static readonly TimeSpan DevTokenLifetime = TimeSpan.FromHours(1);

    public static WebApplicationBuilder AddOmni2Dashboard(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StaticFileOptions>(o => o.OnPrepareResponse = context =>
        {
            // Vite fingerprints everything under assets/; index.html must be fetched fresh to name the new ones.
            context.Context.Response.Headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets")
                ? "public, max-age=31536000, immutable"
                : "no-cache";
        });
        return builder;
    }

    /// <summary>Call before authentication: the page and its assets need no token.</summary>
    public static WebApplication MapOmni2Dashboard(this WebApplication app)
    {
        if (app.Environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
        {
            app.UseDefaultFiles();
            app.UseStaticFiles();
        }
        else
        {
            app.MapGet("/", () => Results.Problem(
                    detail: "The dashboard is not built: run 'npm ci && npm run build' in src/Omni2.Host/Dashboard/web.",
                    statusCode: StatusCodes.Status404NotFound, title: "Dashboard not built"))
                .AllowAnonymous().ExcludeFromDescription();
        }

        var issuer = app.Services.GetRequiredService<TokenIssuer>();
        if (SiloConfiguration.IsEmbedded(app.Configuration) && issuer.CanIssue)
        {
            MapDevToken(app, issuer);
        }
        return app;
    }

    private static void MapDevToken(WebApplication app, TokenIssuer issuer)
    {
        var devToken = app.MapGroup(DevTokenPath).WithTags("Auth").AllowAnonymous();
        devToken.MapGet("/", () => Results.Ok(new DevSignInView(Roles.All)))
            .WithName("DevSignInAvailable").WithSummary("Embedded default only: the roles the dashboard's dev sign-in offers.");
        devToken.MapPost("/", async (HttpContext context) =>
            {
                var (body, problem) = await JsonBody.ReadAsync<DevTokenRequest>(context);
                if (problem is not null)
                {
                    return problem;
                }
                if (body!.Role is not { } role || !Roles.IsKnown(role))
                {
                    return Problems.BadRequest($"role must be one of {string.Join(", ", Roles.All)}.");
                }
                var expires = DateTimeOffset.UtcNow + DevTokenLifetime;
                return Results.Ok(new DevTokenView(issuer.Issue($"dev-{role}", role, DevTokenLifetime), role, expires));
            })
            .WithName("IssueDevToken").WithSummary("Embedded default only: a short-lived token for the dashboard's one-click sign-in.");
    }
}

public sealed record DevTokenRequest(string? Role);

public sealed record DevTokenView(string Token, string Role, DateTimeOffset ExpiresAt);

public sealed record DevSignInView(IReadOnlyList<string> Roles);
