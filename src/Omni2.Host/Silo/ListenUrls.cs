using Microsoft.AspNetCore.Hosting;

namespace Omni2.Host.Silo;

/// <summary>
/// Where the HTTP server listens: <c>http://127.0.0.1:5080</c> unless the host is told otherwise by any of
/// ASP.NET Core's own means (<c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>Urls</c>, <c>ASPNETCORE_HTTP_PORTS</c> /
/// <c>HTTPS_PORTS</c>, <c>Kestrel:Endpoints</c>). The default is not in appsettings.json, where it would win
/// over <c>ASPNETCORE_URLS</c>.
/// </summary>
public static class ListenUrls
{
    public const string Default = "http://127.0.0.1:5080";

    public static WebApplicationBuilder UseOmni2DefaultUrls(this WebApplicationBuilder builder)
    {
        if (!IsConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(Default);
        }
        return builder;
    }

    /// <summary>Whether the configuration names an address, by any key Kestrel reads one from.</summary>
    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpPortsKey])
        || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpsPortsKey])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
