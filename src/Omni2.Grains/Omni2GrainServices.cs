using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Omni2.Contracts;
using Omni2.Grains.Alerts;
using Omni2.Grains.Audit;
using Omni2.Grains.Feed;
using Omni2.Grains.Health;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;
using Omni2.Grains.Pinning;
using Omni2.Grains.Registry;
using Omni2.Grains.Servers;
using Omni2.Grains.Sessions;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains;

/// <summary>Registers what the grains need in a silo.</summary>
public static class Omni2GrainServices
{
    /// <summary>Options (validated at startup) and the clock.</summary>
    public static IServiceCollection AddOmni2Grains(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<Omni2Metrics>();
        services.TryAddSingleton<LoopGuard>();
        services.TryAddSingleton<McpHttp>();
        services.TryAddSingleton<ConnectGate>();
        services.AddOptions<HealthOptions>()
            .Bind(configuration.GetSection(HealthOptions.Section))
            .Validate(o => o.IsValid(out _), $"{HealthOptions.Section}: FailureThreshold, RetryInterval, RecoveryTimeout and DisableAfter must be positive, BackoffMultiplier at least 1 and MaxBackoff at least RecoveryTimeout")
            .ValidateOnStart();
        services.AddOptions<UpstreamOptions>()
            .Bind(configuration.GetSection(UpstreamOptions.Section))
            .Validate(o => o.IsValid(), $"{UpstreamOptions.Section}: MaxConcurrentConnects and every cap must be positive, MaxToolListBytes at least MaxSchemaBytes")
            .ValidateOnStart();
        services.AddOptions<AlertOptions>()
            .Bind(configuration.GetSection(AlertOptions.Section))
            .Validate(o => o.IsValid(),
                $"{AlertOptions.Section}: BurstThreshold, Window, WebhookAttempts, WebhookTimeout and WebhookBackoff must be positive, WebhookDeliveryTimeout at least WebhookTimeout, WebhookShutdownGrace not negative")
            .Validate(o => o.Webhooks.All(w => Uri.TryCreate(w, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"),
                $"{AlertOptions.Section}:Webhooks must be absolute http(s) URLs")
            .ValidateOnStart();
        services.AddOptions<StatusFeedOptions>()
            .Bind(configuration.GetSection(StatusFeedOptions.Section))
            .Validate(o => o.IsValid(), $"{StatusFeedOptions.Section}: intervals, MaxBatch and QueueCapacity must be positive, SubscriberExpiry longer than RenewInterval")
            .ValidateOnStart();
        services.AddSingleton<StatusPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusPublisher>());
        services.AddSingleton<CheckRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<CheckRecorder>());
        services.AddSingleton<FeedHistory>();
        services.AddSingleton<WriterServices>();
        services.AddOptions<ToolPinningOptions>()
            .Bind(configuration.GetSection(ToolPinningOptions.Section))
            .Validate(o => o.IsValid(), $"{ToolPinningOptions.Section}:Pinning must be enforce, warn or off")
            .ValidateOnStart();
        services.AddSingleton<PinningServices>();
        services.AddSingleton<WebhookNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookNotifier>());
        services.AddOptions<HealthLogOptions>()
            .Bind(configuration.GetSection(HealthLogOptions.Section))
            .Validate(o => o.Retention > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero, $"{HealthLogOptions.Section}: Retention and SweepInterval must be positive")
            .ValidateOnStart();
        services.AddOptions<McpSessionOptions>()
            .Bind(configuration.GetSection(McpSessionOptions.Section))
            .Validate(o => o.SessionIdleTimeout > TimeSpan.Zero, $"{McpSessionOptions.Section}:SessionIdleTimeout must be positive")
            .ValidateOnStart();
        services.AddSingleton<IRetention, HealthLogRetention>();
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.Section))
            .Validate(o => o.IsValid(), $"{AuditOptions.Section}: Retention, QueueCapacity, MaxBatch and MemoryCapacity must be positive")
            .ValidateOnStart();
        services.AddSingleton<IRetention, ToolCallLogRetention>();
        services.AddSingleton<ToolCallAuditQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<ToolCallAuditQueue>());
        services.AddHostedService<RetentionSweeper>();
        services.AddOptions<RegistryOptions>()
            .Bind(configuration.GetSection(RegistryOptions.Section))
            .Validate(o => o.IsValid(), $"{RegistryOptions.Section}: ScanInterval, Parallelism, NotifyScanThreshold and NotifyReconnectDelay must be positive, NotifyCoalesce not negative")
            .ValidateOnStart();
        return services;
    }

    /// <summary>Configuration, status, health log and the audit of tool calls in PostgreSQL's <c>omni2</c> schema.</summary>
    public static IServiceCollection AddOmni2PostgresStore(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<PostgresServerStore>();
        services.AddHostedService<RowChangeListener>();
        services.AddSingleton<IToolCallLog, PostgresToolCallLog>();
        // Session records live in Orleans' storage table, which only PostgreSQL lets expire (a single
        // silo keeps no session records: it has no other silo to hand a session to).
        services.AddSingleton<IRetention, SessionRowRetention>();
        services.AddSingleton<ITokenRevocationStore, PostgresTokenRevocations>();
        services.AddSingleton<IToolPinStore, PostgresToolPinStore>();
        return services.AddStoreRoles<PostgresServerStore>();
    }

    /// <summary>The embedded default: servers from configuration, status, health log and audit in memory (the audit bounded).</summary>
    public static IServiceCollection AddOmni2InMemoryStore(this IServiceCollection services, IEnumerable<McpServerConfig> servers)
    {
        services.AddSingleton(new InMemoryServerStore(servers));
        services.AddSingleton<ITokenRevocationStore, InMemoryTokenRevocations>();
        services.AddSingleton<IToolCallLog, InMemoryToolCallLog>();
        services.AddSingleton<IToolPinStore, InMemoryToolPinStore>();
        return services.AddStoreRoles<InMemoryServerStore>();
    }

    private static IServiceCollection AddStoreRoles<TStore>(this IServiceCollection services)
        where TStore : class, IServerConfigSource, IStatusProjection, IHealthLogReader, IHealthLogRetention, ICatalogSource, IServerAdminStore
    {
        services.AddSingleton<ICatalogSource>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IServerAdminStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IServerConfigSource>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IStatusProjection>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IHealthLogReader>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IHealthLogRetention>(sp => sp.GetRequiredService<TStore>());
        return services;
    }
}
