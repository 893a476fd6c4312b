using Omni2.Contracts;
using Omni2.Grains;
using Omni2.Host.Telemetry;
using Orleans.Configuration;
using Orleans.Reminders;
using Orleans.Serialization;
using Orleans.Storage;

namespace Omni2.Host.Silo;

/// <summary>
/// How a silo is put together. With <c>ConnectionStrings:Postgres</c> set, clustering, grain
/// state and reminders live in PostgreSQL; without it, the embedded default runs alone with
/// everything in memory and servers from <c>Omni2:Servers</c>.
/// </summary>
public static class SiloConfiguration
{
    public const string PostgresConnectionName = "Postgres";
    private const string Invariant = "Npgsql";

    /// <summary>Without a PostgreSQL connection string Omni2 runs as the embedded default.</summary>
    public static bool IsEmbedded(IConfiguration configuration) =>
        string.IsNullOrEmpty(configuration.GetConnectionString(PostgresConnectionName));

    /// <summary>Adds the Orleans silo, with its providers and the grains' services, to the host.</summary>
    public static WebApplicationBuilder AddOmni2Silo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = configuration["Orleans:ClusterId"] ?? "omni2";
                o.ServiceId = configuration["Orleans:ServiceId"] ?? "omni2";
            });
            silo.AddOmni2Providers(configuration);
            if (TelemetrySetup.ExportsOverOtlp(configuration, "TRACES"))
            {
                // A grain call continues its caller's trace; only when traces are exported, as it costs every call.
                silo.AddActivityPropagation();
            }
            var siloPort = configuration.GetValue("Orleans:SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
            var gatewayPort = ClusterEndpoints.GatewayPort(configuration);
            if (configuration.GetConnectionString(PostgresConnectionName) is { Length: > 0 } connectionString)
            {
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = Invariant;
                    o.ConnectionString = connectionString;
                });
                silo.UseConfiguredEndpoints(configuration, siloPort, gatewayPort);
                silo.UseOmni2KubernetesHosting(configuration);
                silo.UseOmni2ServerPlacement(configuration);
                // Notice a dead silo in seconds, not Orleans' default tens of seconds: its servers must be
                // checked again within 5 s of a crash and 10 s of a hang. A hung silo keeps its
                // connections open, and Orleans suppresses suspicion while a connection carried messages
                // within MaxProbeTimeout × NumMissedProbesLimit (by default 4 × ProbeTimeout × 3 = 12 s):
                // capping the adaptive probe timeout at 2 s makes that window 6 s.
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = configuration.GetValue("Orleans:Membership:ProbeTimeout", TimeSpan.FromSeconds(1));
                    o.MaxProbeTimeout = configuration.GetValue("Orleans:Membership:MaxProbeTimeout", TimeSpan.FromSeconds(2));
                    o.NumMissedProbesLimit = configuration.GetValue("Orleans:Membership:NumMissedProbesLimit", 3);
                });
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort);
            }
        });
        builder.Services.AddHostedService<RegistryStarter>();
        builder.Services.AddHostedService<ClusterWatcher>();
        return builder;
    }

    /// <summary>
    /// Storage, reminders and the grains' services (the status feed among them). Shared with the test cluster, which
    /// brings its own clustering.
    /// </summary>
    public static ISiloBuilder AddOmni2Providers(this ISiloBuilder silo, IConfiguration configuration)
    {
        // Health checks run every 30 s by default, and faster in tests: below Orleans' 1-minute floor.
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, new ReminderClock());
        // Orleans' default for a grain request (30 s) applies to everything without a
        // [ResponseTimeout] of its own; tool calls and reconnects carry theirs (ServerLimits).
        if (configuration.GetValue<TimeSpan?>("Orleans:ResponseTimeout") is { } responseTimeout)
        {
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        }
        silo.Services.AddOmni2Grains(configuration);
        // Grain state in Orleans' own version-tolerant format: the state types are [GenerateSerializer]
        // records with immutable collections, which the default Newtonsoft.Json format cannot read back.
        silo.Services.AddSingleton<IGrainStorageSerializer>(sp => new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));

        if (configuration.GetConnectionString(PostgresConnectionName) is { Length: > 0 } connectionString)
        {
            silo.AddAdoNetGrainStorage(StorageNames.Grains, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                // Cleared state (a removed server, an ended MCP session) leaves no row behind.
                o.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.Services.AddOmni2PostgresStore(connectionString);
        }
        else
        {
            silo.AddMemoryGrainStorage(StorageNames.Grains);
            silo.UseInMemoryReminderService();
            silo.Services.AddOmni2InMemoryStore(ConfiguredServers.Load(configuration));
        }
        return silo;
    }
}
