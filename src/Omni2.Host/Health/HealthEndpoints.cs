using Omni2.Grains.Persistence;

namespace Omni2.Host.Health;

/// <summary>Liveness and readiness probes.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapOmni2Health(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }))
            .AllowAnonymous().WithName("Liveness").WithSummary("The process is up.");
        app.MapGet("/health/ready", async (IServerConfigSource configs, CancellationToken cancellationToken) =>
            {
                try
                {
                    await configs.LoadAsync("-", cancellationToken);
                    return Results.Ok(new { status = "ready" });
                }
                catch (Exception ex)
                {
                    return Results.Problem(title: "Not ready", detail: $"The server store is not reachable: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
                }
            })
            .AllowAnonymous().WithName("Readiness").WithSummary("The silo runs and its database answers (anonymous: orchestrators probe it).");
        return app;
    }
}
