using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Omni2.Grains.Alerts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Telemetry;

/// <summary>Traces over OTLP to a real receiver: one tool call is one trace from the caller's request to the upstream MCP server.</summary>
public sealed class TracingTests
{
    private static Dictionary<string, string?> Exporting(OtlpReceiver receiver) => new()
    {
        ["Omni2:Servers:0:Enabled"] = "false",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        // Every category's debug logs go out too, HttpClient's and the MCP SDK's included.
        ["Logging:LogLevel:Default"] = "Debug",
    };

    [Fact]
    public async Task The_spans_of_one_tool_call_share_its_trace_down_to_the_upstream_server()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var upstream = await TestMcpServer.StartAsync();
        await using var host = ApiHost.Embedded(Exporting(receiver));
        host.StartServer();
        var name = await host.RegisterHealthyAsync(upstream, "traced");
        using var op = host.ClientAs("operator");
        // The caller's own span: its HTTP client sends it on as traceparent.
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        caller.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var trace = caller.TraceId.ToHexString();

        Assert.Equal(HttpStatusCode.OK, (await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"traced"}"""))).StatusCode);
        caller.Stop();

        // The caller's request, the grain call, the MCP client's call, its HTTP request, and on the upstream
        // its HTTP request and the MCP server's handling of it.
        var spans = await Eventually.MatchesAsync(
            () => Task.FromResult(receiver.Spans.Where(s => s.TraceId == trace).ToList()),
            s => s.Count(x => x.Kind == ReceivedSpan.KindServer && x.Scope == "Microsoft.AspNetCore") >= 2
                && s.Any(x => x.Scope == "Experimental.ModelContextProtocol" && x.Kind == ReceivedSpan.KindServer),
            TimeSpan.FromSeconds(15),
            "the call's spans at the receiver");
        var incoming = spans.Single(s => s.Kind == ReceivedSpan.KindServer && s.Name == "POST /api/v1/mcp/tools/call");
        var grain = spans.First(s => s.Scope == "Microsoft.Orleans.Application" && s.Name.Contains("CallTool"));
        var mcpClient = spans.Single(s => s.Scope == "Experimental.ModelContextProtocol" && s.Kind == ReceivedSpan.KindClient);
        var httpClient = spans.Single(s => s.Scope == "System.Net.Http" && s.ParentSpanId == mcpClient.SpanId);
        var upstreamHttp = spans.Single(s => s.Kind == ReceivedSpan.KindServer && s.Scope == "Microsoft.AspNetCore" && s.Name.StartsWith("POST /mcp"));
        var mcpServer = spans.Single(s => s.Scope == "Experimental.ModelContextProtocol" && s.Kind == ReceivedSpan.KindServer);

        Assert.Equal("tools/call echo", mcpClient.Name);
        Assert.Contains(Ancestors(spans, grain), s => s.SpanId == incoming.SpanId);
        Assert.Contains(Ancestors(spans, mcpClient), s => s.SpanId == grain.SpanId);
        // traceparent reached the upstream twice: in the HTTP request's header (its server span's parent
        // is the HTTP client's span) and in the request's _meta (the MCP server span's parent is the MCP client's).
        Assert.Equal(httpClient.SpanId, upstreamHttp.ParentSpanId);
        Assert.Equal(mcpClient.SpanId, mcpServer.ParentSpanId);
    }

    [Fact]
    public async Task A_webhook_delivery_exports_its_URL_as_scheme_host_and_port_only_and_logs_no_URL()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var hooks = await WebhookReceiver.StartAsync();
        var token = $"hooktoken{Guid.NewGuid():N}";
        var hook = hooks.HookWithToken(token);
        var settings = Exporting(receiver);
        settings["Omni2:Alerts:Webhooks:0"] = hook.ToString();
        await using var host = ApiHost.Embedded(settings);
        host.StartServer();

        host.Services.GetRequiredService<WebhookNotifier>().Notify(new AdminNotice("critical_alert", "webhook-telemetry-notice", DateTimeOffset.UtcNow, ["a"]));

        var span = await Eventually.MatchesAsync(
            () => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Scope == "System.Net.Http"
                && s.Attributes.GetValueOrDefault("url.full", "").Contains($":{hook.Port}", StringComparison.Ordinal))),
            s => s is not null, TimeSpan.FromSeconds(15), "the webhook's HttpClient span");
        Assert.Single(hooks.Received);
        Assert.Equal($"http://{hook.Host}:{hook.Port}", span!.Attributes["url.full"]);
        // The receiver runs in this process, so the host's tracer records its server span too: that one is the receiver's.
        await NothingExportedCarriesAsync(receiver, token, "webhook-telemetry-notice", s => s.Kind == ReceivedSpan.KindServer && s.Name.StartsWith("POST /hook", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upstream_URL_with_a_credential_in_its_query_reaches_no_span_and_no_log()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var upstream = await TestMcpServer.StartAsync();
        var token = $"querytoken{Guid.NewGuid():N}";
        await using var host = ApiHost.Embedded(Exporting(receiver));
        host.StartServer();
        var name = ClusterFixture.UniqueName("credurl");
        Assert.Equal(HttpStatusCode.Created, (await host.RegisterAsync(HttpServer(name, new Uri($"{upstream.StreamableHttpEndpoint}?api_key={token}")))).StatusCode);
        using var admin = host.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");
        using var op = host.ClientAs("operator");

        Assert.Equal(HttpStatusCode.OK, (await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"credential-url-call"}"""))).StatusCode);

        await Eventually.MatchesAsync(
            () => Task.FromResult(receiver.Spans.Count(s => s.Scope == "System.Net.Http" && s.Attributes.GetValueOrDefault("url.full", "").Contains($":{upstream.Port}/", StringComparison.Ordinal))),
            n => n > 0, TimeSpan.FromSeconds(15), "the upstream's HttpClient spans");
        await NothingExportedCarriesAsync(receiver, token, name);
    }

    /// <summary>
    /// Waits until a batch of logs carrying <paramref name="logged"/> has been exported (so the logs of what the
    /// test did are in), then checks that no exported span (but <paramref name="foreign"/> ones), log or metric
    /// holds <paramref name="secret"/>.
    /// </summary>
    private static async Task NothingExportedCarriesAsync(OtlpReceiver receiver, string secret, string logged, Func<ReceivedSpan, bool>? foreign = null)
    {
        await Eventually.MatchesAsync(
            () => Task.FromResult(receiver.Payloads.Any(p => p.Signal == "logs" && Contains(p.Body, logged))),
            found => found, TimeSpan.FromSeconds(15), $"the logs mentioning {logged} at the receiver");
        var spans = receiver.Spans.Where(s => foreign?.Invoke(s) != true)
            .SelectMany(s => s.Attributes.Select(a => $"{a.Key}={a.Value}").Prepend(s.Name).Select(text => $"span {s.Name}: {text}"));
        var signals = receiver.Payloads.Where(p => p.Signal != "traces")
            .Select(p => (p.Signal, At: p.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)), p.Body)).Where(p => p.At >= 0)
            .Select(p => $"{p.Signal}: ...{Printable(p.Body, p.At - 200, p.At + secret.Length + 40)}...");
        var leaks = spans.Where(text => text.Contains(secret, StringComparison.Ordinal)).Concat(signals).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    private static string Printable(byte[] payload, int from, int to) =>
        new([.. Encoding.UTF8.GetString(payload, Math.Max(0, from), Math.Min(payload.Length, to) - Math.Max(0, from)).Select(c => char.IsControl(c) ? ' ' : c)]);

    private static bool Contains(byte[] payload, string text) => payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    [Fact]
    public async Task Without_an_OTLP_endpoint_no_tracer_is_registered()
    {
        await using var host = ApiHost.Embedded(new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false" });
        host.StartServer();

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    /// <summary>The span's parent, its parent, and so on, as far as the trace holds them.</summary>
    private static List<ReceivedSpan> Ancestors(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan span)
    {
        var chain = new List<ReceivedSpan>();
        while (spans.FirstOrDefault(s => s.SpanId == span.ParentSpanId) is { } parent)
        {
            chain.Add(parent);
            span = parent;
        }
        return chain;
    }
}
