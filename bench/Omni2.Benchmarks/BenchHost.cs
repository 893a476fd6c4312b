using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Host.Auth;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// The real host (<c>Program</c>) in the embedded default, on Kestrel on a loopback port, with
/// <see cref="StaticTwin"/>'s endpoints in front of its pipeline.
/// </summary>
public sealed class BenchHost : WebApplicationFactory<Program>
{
    public const string SigningKey = "omni2-bench-signing-key-0123456789-abcdefghij";
    private readonly string _contentRoot;

    public BenchHost()
    {
        Port = Ports.Free();
        _contentRoot = ContentRootWithoutServers();
        UseKestrel(Port);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public StaticTwin Twin => Services.GetRequiredService<StaticTwin>();

    public string Token(string role) =>
        Services.GetRequiredService<TokenIssuer>().Issue("bench", role, TimeSpan.FromHours(2));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Settings given here reach the host as command-line arguments, so they can add or replace
        // keys but never remove the 'everything' entry of Omni2:Servers: the host reads its
        // appsettings.json from a content root where that list is empty instead.
        builder.UseSetting(WebHostDefaults.ContentRootKey, _contentRoot);
        builder.UseSetting("ConnectionStrings:Postgres", "");
        builder.UseSetting("Auth:SigningKey", SigningKey);
        // The periodic resync reloads the (empty) store and would drop the injected catalog mid-run.
        builder.UseSetting("Omni2:Catalog:ResyncInterval", "01:00:00");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseEnvironment("Production");
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<StaticTwin>();
            services.AddSingleton<IStartupFilter, StaticTwin.Filter>();
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // WebApplicationFactory disposes through here more than once.
        if (disposing && Directory.Exists(_contentRoot))
        {
            Directory.Delete(_contentRoot, recursive: true);
        }
    }

    /// <summary>A copy of the host's appsettings.json with <c>Omni2:Servers</c> emptied, in a fresh directory.</summary>
    private static string ContentRootWithoutServers()
    {
        // Where WebApplicationFactory itself finds the host's content root.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json")))!.AsObject();
        var hostRoot = (string)manifest[typeof(Program).Assembly.FullName!]!;
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(hostRoot, "appsettings.json")))!.AsObject();
        settings["Omni2"]!["Servers"] = new JsonArray();
        var root = Directory.CreateTempSubdirectory("omni2-bench-").FullName;
        File.WriteAllText(Path.Combine(root, "appsettings.json"), settings.ToJsonString());
        return root;
    }

}
