using Omni2.Host.Api;
using Omni2.Host.Auth;
using Omni2.Host.Silo;

namespace Omni2.Host.Dashboard;

/// <summary>
/// The browser dashboard: the static files Vite builds into <c>wwwroot</c> (from <c>Dashboard/web</c>),
/// served anonymously at <c>/</c>; the page itself signs in with a token. In the embedded default
/// only, <c>/api/v1/auth/dev-token</c> hands out short-lived tokens for a one-click sign-in, to the
/// dashboard's own page on this machine (<see cref="DevSignInGuard"/>).
/// </summary>
public static class DashboardSetup
{
    public const string DevTokenPath = "/api/v1/auth/dev-token";
    public const string SettingsPath = "/api/v1/dashboard/settings";
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
                    detail: "The dashboard is not built: build the host (dotnet build src/Omni2.Host), which builds src/Omni2.Host/Dashboard/web into wwwroot.",
                    statusCode: StatusCodes.Status404NotFound, title: "Dashboard not built"))
                .AllowAnonymous().ExcludeFromDescription();
        }

        var issuer = app.Services.GetRequiredService<TokenIssuer>();
        var devSignIn = SiloConfiguration.IsEmbedded(app.Configuration) && issuer.CanIssue;
        // What the page may offer before anyone signs in; a fixed answer per host, so asking is never an error.
        app.MapGet(SettingsPath, (HttpContext context) => new DashboardSettingsView(
                devSignIn && DevSignInGuard.IsFromThisMachine(context) && DevSignInGuard.NamesLoopback(context.Request.Host) ? Roles.All : []))
            .AllowAnonymous().WithTags("Dashboard").WithName("GetDashboardSettings").WithSummary("What the dashboard's sign-in offers on this host.");
        if (devSignIn)
        {
            app.MapPost(DevTokenPath, IssueDevTokenAsync)
                .AllowAnonymous().WithTags("Auth").WithName("IssueDevToken")
                .WithSummary("Embedded default only: a short-lived token for the dashboard's one-click sign-in.");
        }
        return app;
    }

    private static async Task<IResult> IssueDevTokenAsync(HttpContext context, TokenIssuer issuer)
    {
        if (!DevSignInGuard.IsFromThisMachine(context))
        {
            // An embedded default published on a network must not hand out tokens to it.
            return Problems.NotFound("The dev sign-in answers only requests from this machine.");
        }
        if (DevSignInGuard.Refusal(context.Request) is { } refusal)
        {
            return Problems.Forbidden(refusal);
        }
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
    }
}

public sealed record DevTokenRequest(string? Role);

public sealed record DevTokenView(string Token, string Role, DateTimeOffset ExpiresAt);

/// <summary>The roles the page offers a one-click dev sign-in for: none outside the embedded default.</summary>
public sealed record DashboardSettingsView(IReadOnlyList<string> DevSignInRoles);
