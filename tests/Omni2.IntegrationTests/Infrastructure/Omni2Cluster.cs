using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Omni2.Contracts;
using Omni2.Grains.Feed;
using Omni2.Host.Silo;
using Orleans.TestingHost;

using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>
/// An Orleans test cluster whose silos run on the real PostgreSQL providers (clustering, grain
/// state, reminders) with the host's own provider setup, and a client that records every event
/// published on the status feed.
/// </summary>
public sealed class Omni2Cluster : IAsyncDisposable, IStatusObserver
{
    private readonly TestCluster _cluster;
    private StatusSubscription? _subscription;

    private Omni2Cluster(TestCluster cluster) => _cluster = cluster;

    public IClusterClient Client => _cluster.Client;

    public TestCluster Cluster => _cluster;

    /// <summary>Everything published on the status feed since the cluster started.</summary>
    public ConcurrentQueue<McpStatusEvent> Events { get; } = new();

    public IRegistryGrain Registry => Client.GetGrain<IRegistryGrain>(GrainKeys.Registry);

    public IMcpServerGrain Server(string name) => Client.GetGrain<IMcpServerGrain>(name);

    public static async Task<Omni2Cluster> StartAsync(
        string connectionString, short silos = 2, string? serviceId = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>(TestTimings.Fast)
        {
            [$"ConnectionStrings:{SiloConfiguration.PostgresConnectionName}"] = connectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId ?? $"omni2-test-{Guid.NewGuid():N}";
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(values));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var omni2 = new Omni2Cluster(cluster);
        await omni2.SubscribeAsync();
        return omni2;
    }

    private async Task SubscribeAsync()
    {
        _subscription = StatusSubscription.Start(Client, this, silo: null, TestTimings.StatusFeedRefresh, NullLogger.Instance);
        await _subscription.Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
        // Every silo's publisher learns of this client within one refresh.
        await Task.Delay(TestTimings.StatusFeedRefresh * 2);
    }

    Task IStatusObserver.OnEventsAsync(ImmutableArray<McpStatusEvent> events)
    {
        foreach (var message in events)
        {
            Events.Enqueue(message);
        }
        return Task.CompletedTask;
    }

    Task IStatusObserver.OnChecksAsync(ImmutableArray<ServerCheck> checks) => Task.CompletedTask;

    public IEnumerable<McpStatusEvent> EventsOf(string server) => Events.Where(e => e.McpName == server);

    /// <summary>Waits until the server's grain reports <paramref name="status"/>.</summary>
    public Task<McpServerStatus> WaitForStatusAsync(string name, HealthStatus status, TimeSpan? timeout = null) =>
        Eventually.MatchesAsync(
            () => Server(name).GetStatusAsync(),
            s => s.Status == status,
            timeout ?? TimeSpan.FromSeconds(20),
            $"'{name}' to be {status.ToWire()}");

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync();
        }
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    /// <summary>The host's own provider setup, on ADO.NET clustering instead of the test cluster's membership.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = silo.Configuration.GetConnectionString(SiloConfiguration.PostgresConnectionName);
            });
            silo.AddOmni2Providers(silo.Configuration);
        }
    }

    public sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = configuration.GetConnectionString(SiloConfiguration.PostgresConnectionName);
            });
        }
    }
}
