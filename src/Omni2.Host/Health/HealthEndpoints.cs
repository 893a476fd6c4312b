using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.Host.Health;

/// <summary>Liveness and readiness probes.</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan DatabaseProbeTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapOmni2Health(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }))
            .AllowAnonymous().WithName("Liveness").WithSummary("The process is up.");
        app.MapGet("/health/ready", ReadyAsync)
            .AllowAnonymous().WithName("Readiness")
            .WithSummary("The silo is active in its cluster with a loaded catalog; the database's state is in the body (anonymous: orchestrators probe it).");
        return app;
    }

    /// <summary>
    /// Ready while this silo is active in the cluster and has loaded its catalog: it then serves
    /// every read and call, with or without the database. A database that does not answer makes the
    /// silo <c>degraded</c>, not unready: a blip must not take every silo out of rotation at once.
    /// </summary>
    private static async Task<IResult> ReadyAsync(
        ServerCatalog catalog, IClusterMembershipService membership, ILocalSiloDetails silo, IServerConfigSource configs, CancellationToken cancellationToken)
    {
        var active = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) is SiloStatus.Active;
        if (!active || !catalog.IsLoaded)
        {
            var why = !active ? "this silo is not active in the cluster" : "the catalog has not been loaded yet";
            return Results.Problem(title: "Not ready", detail: $"Not ready: {why}.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(DatabaseProbeTimeout);
            await configs.LoadAsync("-", bounded.Token);
            return Results.Ok(new { status = "ready", database = "ok" });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return Results.Ok(new { status = "ready", database = "degraded", detail = $"The database is not reachable: {ex.GetBaseException().Message}" });
        }
    }
}
