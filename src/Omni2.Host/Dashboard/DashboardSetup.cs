using Omni2.Host.Auth;

namespace Omni2.Host.Dashboard;

/// <summary>
/// The browser dashboard: the static files Vite builds into <c>wwwroot</c> (from <c>Dashboard/web</c>),
/// served anonymously at <c>/</c>; the page itself signs in with a token, or in the embedded default
/// with one click (<see cref="DevTokenApi"/>).
/// </summary>
public static class DashboardSetup
{
    public const string SettingsPath = "/api/v1/dashboard/settings";

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

        var devSignIn = DevTokenApi.IsOffered(app);
        // What the page may offer before anyone signs in; a fixed answer per host, so asking is never an error.
        app.MapGet(SettingsPath, (HttpContext context) => new DashboardSettingsView(
                devSignIn && DevSignInGuard.IsFromThisMachine(context) && DevSignInGuard.NamesLoopback(context.Request.Host) ? Roles.All : []))
            .AllowAnonymous().WithTags("Dashboard").WithName("GetDashboardSettings").WithSummary("What the dashboard's sign-in offers on this host.");
        return app.MapDevTokenApi();
    }
}

/// <summary>The roles the page offers a one-click dev sign-in for: none outside the embedded default.</summary>
public sealed record DashboardSettingsView(IReadOnlyList<string> DevSignInRoles);
