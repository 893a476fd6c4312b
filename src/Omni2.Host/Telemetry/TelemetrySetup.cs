using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;
using Omni2.Host.Catalog;

namespace Omni2.Host.Telemetry;

/// <summary>
/// OpenTelemetry: metrics with a Prometheus scrape endpoint at <c>/metrics</c>; traces (and logs and
/// metrics too) over OTLP by the standard exporter, only when the standard <c>OTEL_EXPORTER_OTLP_*</c>
/// variables name an endpoint: without one, no tracer is registered, so no span is ever made.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>
    /// The spans of a call: the HTTP request (ASP.NET Core), the grain call (Orleans' activity
    /// propagation), the MCP SDK's client and server spans (<c>tools/call {tool}</c>, which also put
    /// <c>traceparent</c> in the request's <c>_meta</c>), the upstream HTTP request (which carries
    /// <c>traceparent</c>) and PostgreSQL's commands.
    /// </summary>
    private static readonly string[] TraceSources = ["Microsoft.Orleans.Application", "Experimental.ModelContextProtocol", "Npgsql"];

    // System.Runtime: .NET's own GC heap, working set and thread-pool gauges, so memory growth can be
    // told apart (managed heap or not) without attaching a tool to the silo, which refuses debuggers.
    // Microsoft.Orleans: the silo's grains, messaging and membership; Npgsql: its connection pool and
    // commands; System.Net.Http and System.Net.NameResolution: the upstream requests.
    private static readonly string[] Meters =
    [
        Omni2Metrics.MeterName, CatalogGauges.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime",
        "Microsoft.Orleans", "Npgsql", "System.Net.Http", "System.Net.NameResolution",
    ];

    private static readonly string[] HttpClientTags =
        ["http.request.method", "http.response.status_code", "error.type", "network.protocol.version", "url.scheme", "http.connection.state"];

    /// <summary>
    /// Whether a signal (<c>TRACES</c>, <c>METRICS</c>, <c>LOGS</c>) goes out over OTLP: the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or the signal's own <c>OTEL_EXPORTER_OTLP_{signal}_ENDPOINT</c>, is set.
    /// </summary>
    public static bool ExportsOverOtlp(IConfiguration configuration, string signal) =>
        !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrEmpty(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);

    public static WebApplicationBuilder AddOmni2Telemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogGauges>();
        var configuration = builder.Configuration;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "omni2"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddPrometheusExporter();
                // /metrics is anonymous: no upstream's or database's address reaches it, and no series
                // multiplies by the fleet's size. HttpClient's and DNS's instruments would be labelled by
                // server address, port and host name, Npgsql's by its pool's connection string, Kestrel's by
                // the silo's own listening address.
                metrics.AddView("http.client.*", new MetricStreamConfiguration { TagKeys = HttpClientTags })
                    .AddView("kestrel.*", new MetricStreamConfiguration { TagKeys = ["network.transport", "network.type", "network.protocol.name", "network.protocol.version", "error.type"] })
                    .AddView("dns.lookup.duration", new MetricStreamConfiguration { TagKeys = ["error.type"] })
                    .AddView("db.client.*", new MetricStreamConfiguration { TagKeys = ["db.client.connection.state"] });
                if (ExportsOverOtlp(configuration, "METRICS"))
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (ExportsOverOtlp(configuration, "TRACES"))
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation(http =>
                {
                    // .NET itself leaves the query out of url.full; a webhook's URL keeps its scheme, host and port only.
                    http.EnrichWithHttpRequestMessage = (activity, request) => RedactSecretUrl(activity, request);
                    http.EnrichWithHttpResponseMessage = (activity, response) => RedactSecretUrl(activity, response.RequestMessage);
                })
                .AddSource(TraceSources)
                .AddOtlpExporter());
        }
        if (ExportsOverOtlp(configuration, "LOGS"))
        {
            // Each record carries the trace and span ids of the activity it was written in.
            telemetry.WithLogging(logging => logging.AddOtlpExporter());
        }
        return builder;
    }

    private static void RedactSecretUrl(Activity activity, HttpRequestMessage? request)
    {
        if (SecretUrl.IsMarked(request))
        {
            activity.SetTag("url.full", SecretUrl.Redacted(request!.RequestUri));
        }
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
