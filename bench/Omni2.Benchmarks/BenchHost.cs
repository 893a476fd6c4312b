using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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
    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <param name="settings">Configuration keys to add or replace, e.g. to lift a limit a measurement is not about.</param>
    public BenchHost(IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = settings ?? new Dictionary<string, string>();
        Port = Ports.Free();
        _contentRoot = ContentRootWithoutServers();
        UseKestrel(Port);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public StaticTwin Twin => Services.GetRequiredService<StaticTwin>();

    public string Token(string role) =>
        Services.GetRequiredService<TokenIssuer>().Issue("bench", role, TimeSpan.FromHours(2));

    /// <summary>A real HTTP client of the host on its loopback port, authenticated as <paramref name="role"/>.</summary>
    public HttpClient ClientAs(string role)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role));
        return client;
    }

    /// <summary>Registers a streamable-HTTP server through the admin API.</summary>
    public async Task RegisterAsync(string name, Uri url, int healthCheckIntervalSeconds)
    {
        using var admin = ClientAs(Roles.Admin);
        using var response = await admin.PostAsJsonAsync("/api/v1/mcp/servers",
            new { name, transport = "streamable_http", url = url.ToString(), health_check_interval_seconds = healthCheckIntervalSeconds });
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Registering {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Waits until every one of <paramref name="names"/> is healthy in the catalog (what the read API serves).</summary>
    public async Task WaitHealthyAsync(IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        using var viewer = ClientAs(Roles.Viewer);
        await Eventually.MatchesAsync(
            async () => (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/mcp/tools/servers")).GetProperty("servers").EnumerateArray()
                .Count(s => names.Contains(s.GetProperty("name").GetString()) && s.GetProperty("health_status").GetString() == "healthy"),
            healthy => healthy == names.Count,
            timeout,
            $"{names.Count} healthy servers");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Settings given here reach the host as command-line arguments, so they can add or replace
        // keys but never remove the 'everything' entry of Omni2:Servers: the host reads its
        // appsettings.json from a content root where that list is empty instead.
        builder.UseSetting(WebHostDefaults.ContentRootKey, _contentRoot);
        builder.UseSetting("ConnectionStrings:Postgres", "");
        builder.UseSetting("Auth:SigningKey", SigningKey);
        // Its own silo port, so that two hosts can run in one benchmark process.
        builder.UseSetting("Orleans:SiloPort", Ports.Free().ToString());
        // The periodic resync reloads the (empty) store and would drop the injected catalog mid-run.
        builder.UseSetting("Omni2:Catalog:ResyncInterval", "01:00:00");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Standard output carries the report's markdown only.
        builder.UseSetting("Logging:Console:LogToStandardErrorThreshold", "Trace");
        // Limits no benchmark reaches: the limiter runs, and refuses nothing.
        foreach (var (key, value) in TestTimings.GenerousRateLimits.Select(p => KeyValuePair.Create(p.Key, p.Value!)).Concat(_settings))
        {
            builder.UseSetting(key, value);
        }
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
