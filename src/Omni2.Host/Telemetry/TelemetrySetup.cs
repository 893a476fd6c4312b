using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;
using Omni2.Host.Catalog;

namespace Omni2.Host.Telemetry;

/// <summary>OpenTelemetry metrics with a Prometheus scrape endpoint at <c>/metrics</c>.</summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddOmni2Telemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogGauges>();
        // System.Runtime: .NET's own GC heap, working set and thread-pool gauges, so memory growth can be
        // told apart (managed heap or not) without attaching a tool to the silo, which refuses debuggers.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Omni2Metrics.MeterName, CatalogGauges.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapOmni2Telemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<CatalogGauges>();
        // Labels carry statuses and outcomes only, never server names: safe to scrape without a token.
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }
}

/// <summary>Fleet gauges read from this silo's catalog: servers by status, open circuits.</summary>
public sealed class CatalogGauges
{
    public const string MeterName = "Omni2.Catalog";

    public CatalogGauges(IMeterFactory meters, ServerCatalog catalog)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("omni2.servers", () =>
            catalog.Current.Servers.Values
                .GroupBy(e => e.Status.Status)
                .Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("status", g.Key.ToWire()))),
            "{server}", "Registered servers by health status, as this silo's catalog sees them.");
        meter.CreateObservableGauge("omni2.circuits.open", () =>
            catalog.Current.Servers.Values.Count(e => e.Status.Circuit == CircuitState.Open),
            "{circuit}", "Servers whose circuit breaker is open.");
    }
}
