using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
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
