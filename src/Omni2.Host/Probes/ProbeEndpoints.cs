using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.Host.Probes;

/// <summary>
/// Liveness and readiness as ASP.NET Core health checks: <c>/health/live</c> runs the checks tagged
/// <see cref="Live"/>, <c>/health/ready</c> those tagged <see cref="Ready"/>. Ready means this silo is
/// active in the cluster and has loaded its catalog: it then serves every read and call, with or
/// without the database. A database that does not answer is <c>Degraded</c>, not unready: a blip must
/// not take every silo out of rotation at once. Bodies say what each check found in Omni2's own words,
/// never an exception's message (they are anonymous).
/// </summary>
public static class ProbeEndpoints
{
    public const string Live = "live";
    public const string Ready = "ready";
    private const string DatabaseCheck = "database";
    private static readonly TimeSpan DatabaseProbeTimeout = TimeSpan.FromSeconds(2);

    public static WebApplicationBuilder AddOmni2Probes(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("the process is up"), tags: [Live])
            .AddCheck<SiloActiveCheck>("silo", tags: [Ready])
            .AddCheck<CatalogLoadedCheck>("catalog", tags: [Ready])
            .AddCheck<DatabaseReachableCheck>(DatabaseCheck, HealthStatus.Degraded, [Ready], DatabaseProbeTimeout);
        return builder;
    }

    public static IEndpointRouteBuilder MapOmni2Probes(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", Checks(Live)).AllowAnonymous()
            .WithName("Liveness").WithSummary("The process is up.");
        app.MapHealthChecks("/health/ready", Checks(Ready)).AllowAnonymous()
            .WithName("Readiness")
            .WithSummary("The silo is active in its cluster with a loaded catalog; the database's state is in the body (anonymous: orchestrators probe it).");
        return app;
    }

    private static HealthCheckOptions Checks(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = (context, report) => WriteAsync(context, report, tag),
    };

    /// <summary>
    /// <c>{"status": "ready", "database": "ok" | "degraded", "checks": {...}}</c> (200), or <c>"not_ready"</c>
    /// (503); <c>/health/live</c> answers <c>{"status": "live", ...}</c>.
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report, string tag)
    {
        var up = report.Status != HealthStatus.Unhealthy;
        var body = new Dictionary<string, object>
        {
            ["status"] = up ? tag : $"not_{tag}",
        };
        if (report.Entries.TryGetValue(DatabaseCheck, out var database))
        {
            body["database"] = database.Status == HealthStatus.Healthy ? "ok" : "degraded";
        }
        body["checks"] = report.Entries.ToDictionary(
            e => e.Key,
            // A check that threw or timed out says only that: its description may be the exception's message.
            e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Exception is null ? e.Value.Description : "the check failed" });
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}

/// <summary>This silo is active in the cluster's membership.</summary>
public sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) is SiloStatus.Active
            ? HealthCheckResult.Healthy("this silo is active in the cluster")
            : HealthCheckResult.Unhealthy("this silo is not active in the cluster"));
}

/// <summary>This silo's catalog has been loaded.</summary>
public sealed class CatalogLoadedCheck(ServerCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.IsLoaded
            ? HealthCheckResult.Healthy("the catalog is loaded")
            : HealthCheckResult.Unhealthy("the catalog has not been loaded yet"));
}

/// <summary>The database answers a read of one configuration row (the embedded default's memory always does).</summary>
public sealed partial class DatabaseReachableCheck(IServerConfigSource configs, ILogger<DatabaseReachableCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await configs.LoadAsync("-", cancellationToken);
            return HealthCheckResult.Healthy("the database answers");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(ex.GetBaseException().Message);
            return new HealthCheckResult(context.Registration.FailureStatus, "the database is not reachable");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Readiness: the database is not reachable: {Error}")]
    private partial void LogUnreachable(string error);
}
