using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// Hostile upstreams (C# SDK servers that redirect, or send too much) registered through the API of
/// real hosts: each fails with the cap it broke named, and the silo serves every other server as before.
/// </summary>
[Collection("api")]
public sealed class UpstreamLimitsTests(ApiFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private TestMcpServer _hostile = null!;
    private TestMcpServer _canary = null!;
    private string _canaryName = null!;

    public async Task InitializeAsync()
    {
        _hostile = await TestMcpServer.StartAsync();
        _canary = await TestMcpServer.StartAsync();
        _canaryName = await fixture.A.RegisterHealthyAsync(_canary, "canary", "", fixture.B);
    }

    public async Task DisposeAsync()
    {
        await _hostile.DisposeAsync();
        await _canary.DisposeAsync();
    }

    [Fact]
    public async Task A_redirect_fails_the_connect_naming_its_status_and_is_never_followed()
    {
        await using var target = await TestMcpServer.StartAsync();
        _hostile.RedirectTo = target.StreamableHttpEndpoint;
        _hostile.Mode = TestServerMode.Redirect;

        await RegisterHostileAsync("redirect", ""","headers":{"X-Api-Key":"upstream-credential"}""", "HTTP 307 Temporary Redirect (redirects are not followed)");

        Assert.True(_hostile.RequestCount > 0);
        Assert.Equal(0, target.RequestCount);
        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task A_server_listing_100000_tools_fails_at_the_tool_list_cap()
    {
        _hostile.Mode = TestServerMode.ManyTools;

        var error = await RegisterHostileAsync("many", "", "tool list too large");

        Assert.Contains("Omni2:Upstream:MaxToolListBytes", error);
        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task A_server_that_pages_forever_fails_at_the_page_cap()
    {
        _hostile.Mode = TestServerMode.EndlessPages;

        await RegisterHostileAsync("pages", "", "tool list too large: 101 pages > 100 (Omni2:Upstream:MaxToolListPages)");

        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task A_tool_with_a_1_MiB_schema_fails_at_the_schema_cap()
    {
        _hostile.Mode = TestServerMode.HugeSchema;

        await RegisterHostileAsync("schema", "", "tool schema too large");

        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task An_event_stream_line_over_the_cap_fails_the_connect()
    {
        _hostile.Mode = TestServerMode.LongEventLine;

        await RegisterHostileAsync("line", "", "message too large: over 1048576 bytes in one server-sent event (Omni2:Upstream:MaxMessageBytes)");

        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task A_50_MB_tool_result_is_a_502_naming_the_cap_and_is_never_held_in_memory()
    {
        var name = await fixture.A.RegisterHealthyAsync(_hostile, "huge");
        _hostile.Mode = TestServerMode.HugeResult;
        using var op = fixture.A.ClientAs("operator");

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"hi"}"""));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        await AssertProblemAsync(response, HttpStatusCode.BadGateway, "tool result too large: over 16777216 bytes");
        // Reading 50 MB whole would allocate several times that (bytes, a string, JSON, the grain's answer);
        // stopping at the 16 MiB cap allocates about twice the cap, whatever else the process does meanwhile.
        Assert.True(allocated < 128L * 1024 * 1024, $"{allocated / (1024 * 1024)} MiB allocated by one oversized call");
        // One call that asked for too much says nothing about the server.
        Assert.Equal("healthy", (await op.ServerViewAsync(name)).GetProperty("health_status").GetString());
        await AssertCanaryServedAsync();
    }

    [Fact]
    public async Task A_50_MB_tool_result_is_a_tool_error_on_mcp()
    {
        var name = await fixture.A.RegisterHealthyAsync(_hostile, "huge-mcp");
        _hostile.Mode = TestServerMode.HugeResult;
        await using var agent = await ConnectToGatewayAsync("operator");

        var result = await agent.CallToolAsync($"{name}__echo", new Dictionary<string, object?> { ["message"] = "hi" });

        Assert.True(result.IsError);
        Assert.Contains("tool result too large", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task A_result_larger_than_the_message_cap_but_within_the_result_cap_passes()
    {
        var name = await fixture.A.RegisterHealthyAsync(_hostile, "blob");
        using var op = fixture.A.ClientAs("operator");
        const int bytes = 2 * 1024 * 1024;

        var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "blob", $$"""{"bytes":{{bytes}}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, (await JsonOfAsync(response)).GetProperty("content")[0].GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public async Task A_viewer_reads_an_upstream_failure_as_its_status_without_body_or_address()
    {
        var name = await fixture.A.RegisterHealthyAsync(_hostile, "leak");
        _hostile.Mode = TestServerMode.Error;
        using var viewer = fixture.B.ClientAs("viewer");

        var error = await WaitForErrorAsync(viewer, name, "HTTP 500 Internal Server Error");

        Assert.DoesNotContain("injected failure", error);
        Assert.DoesNotContain($":{_hostile.Port}", error);
        Assert.DoesNotContain("127.0.0.1", error);
    }

    [Fact]
    public async Task A_viewer_reads_a_refused_connection_without_its_address()
    {
        var name = await fixture.A.RegisterHealthyAsync(_hostile, "gone");
        await _hostile.StopAsync();
        using var viewer = fixture.B.ClientAs("viewer");

        var error = await WaitForErrorAsync(viewer, name, "connection refused");

        Assert.DoesNotContain($":{_hostile.Port}", error);
        Assert.DoesNotContain("127.0.0.1", error);
    }

    [Fact]
    public async Task The_tool_cap_is_configurable()
    {
        await using var host = ApiHost.Embedded(new Dictionary<string, string?>
        {
            ["Omni2:Upstream:MaxTools"] = "3",
            ["Omni2:Servers:0:Enabled"] = "false",
        });
        host.StartServer();
        var name = ClusterFixture.UniqueName("few");
        Assert.Equal(HttpStatusCode.Created, (await host.RegisterAsync(HttpServer(name, _hostile.StreamableHttpEndpoint))).StatusCode);
        using var viewer = host.ClientAs("viewer");

        await WaitForErrorAsync(viewer, name, $"tool list too large: {_hostile.ToolNames.Count} tools > 3 (Omni2:Upstream:MaxTools)");
    }

    /// <summary>Registers the hostile server and waits until it is down with <paramref name="expected"/> in its last error.</summary>
    private async Task<string> RegisterHostileAsync(string prefix, string extra, string expected)
    {
        var name = ClusterFixture.UniqueName(prefix);
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(name, _hostile.StreamableHttpEndpoint, extra))).StatusCode);
        using var viewer = fixture.A.ClientAs("viewer");
        return await WaitForErrorAsync(viewer, name, expected);
    }

    private static async Task<string> WaitForErrorAsync(HttpClient client, string name, string expected)
    {
        var server = await Eventually.MatchesAsync(
            () => client.ServerViewAsync(name),
            s => s.ValueKind == JsonValueKind.Object && s.GetProperty("last_error").GetString()?.Contains(expected) == true,
            Deadline,
            $"'{name}' to fail with \"{expected}\"");
        Assert.NotEqual("healthy", server.GetProperty("health_status").GetString());
        return server.GetProperty("last_error").GetString()!;
    }

    /// <summary>The silos still serve a well-behaved server: healthy on both, and its tools answer.</summary>
    private async Task AssertCanaryServedAsync()
    {
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            using var op = host.ClientAs("operator");
            Assert.Equal("healthy", (await op.ServerViewAsync(_canaryName)).GetProperty("health_status").GetString());
            var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(_canaryName, "echo", """{"message":"still here"}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private async Task<McpClient> ConnectToGatewayAsync(string role)
    {
        var http = fixture.A.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.A.Token(role));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }
}
