using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Omni2.Host.Catalog;
using Omni2.Host.Auth;
using Omni2.Host.Silo;

namespace Omni2.Testing;

/// <summary>
/// The real host (<c>Program</c>): silo, HTTP API on Kestrel on a loopback port, PostgreSQL providers.
/// Several of them on one database form one cluster.
/// </summary>
public sealed class ApiHost : WebApplicationFactory<Program>
{
    public const string SigningKey = "omni2-tests-signing-key-0123456789-abcdefghij";
    private readonly string _connectionString;
    private readonly string _serviceId;
    private readonly int _siloPort = Ports.Free();

    /// <summary>This host's Orleans silo port, as it appears in silo addresses.</summary>
    public int SiloPort => _siloPort;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Changes to the host's services (e.g. a listener that fails), after the host's own.</param>
    public ApiHost(string connectionString, string serviceId, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _connectionString = connectionString;
        _serviceId = serviceId;
        _settings = settings ?? new Dictionary<string, string?>();
        _services = services;
        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Explicit, so that any program (a test project or the benchmarks) hosts the same content.
        builder.UseContentRoot(Path.Combine(RepoPaths.Root, "src", "Omni2.Host"));
        builder.UseSetting($"ConnectionStrings:{SiloConfiguration.PostgresConnectionName}", _connectionString);
        builder.UseSetting("Orleans:ServiceId", _serviceId);
        builder.UseSetting("Orleans:ClusterId", _serviceId);
        builder.UseSetting("Orleans:SiloPort", _siloPort.ToString());
        builder.UseSetting("Orleans:AdvertisedIPAddress", "127.0.0.1");
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("Omni2:Catalog:ResyncInterval", "00:00:05");
        builder.UseSetting("Omni2:Stdio:AllowedCommands:0", "node");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in TestTimings.Fast.Concat(TestTimings.GenerousRateLimits).Concat(_settings))
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>
    /// Starts the host and, as a load balancer would, lets requests in only once it is ready: its
    /// catalog is loaded, which it is once every silo's status feed reaches it.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var catalog = host.Services.GetRequiredService<ServerCatalog>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!catalog.IsLoaded)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The host's catalog was not loaded within 60 s.");
            }
            Thread.Sleep(20);
        }
        return host;
    }

    /// <summary>The embedded default (no PostgreSQL: in-memory state, servers from <c>Omni2:Servers</c>), on its own ports.</summary>
    public static ApiHost Embedded(IReadOnlyDictionary<string, string?>? settings = null) =>
        new("", $"omni2-embedded-{Guid.NewGuid():N}", settings);

    /// <summary>A real HTTP client on the host's port, carrying a token for <paramref name="role"/> (none when null).</summary>
    public HttpClient ClientAs(string? role, string user = "tester")
    {
        var client = CreateClient();
        if (role is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, user));
        }
        return client;
    }

    public string Token(string role, string user = "tester", TimeSpan? lifetime = null) =>
        Services.GetRequiredService<TokenIssuer>().Issue(user, role, lifetime ?? TimeSpan.FromMinutes(30));

}
