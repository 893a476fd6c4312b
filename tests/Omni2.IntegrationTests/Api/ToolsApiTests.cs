using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>The read and call endpoints, on two silos of one cluster, against real MCP servers.</summary>
[Collection("api")]
public sealed class ToolsApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private TestMcpServer _server = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _server = await TestMcpServer.StartAsync();
        _name = ClusterFixture.UniqueName("api");
        var response = await fixture.A.RegisterAsync(HttpServer(_name, _server.StreamableHttpEndpoint));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var viewer = fixture.A.ClientAs("viewer");
        await viewer.WaitForHealthAsync(_name, "healthy");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Servers_lists_every_status_field_on_both_silos()
    {
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            using var viewer = host.ClientAs("viewer");
            var server = await viewer.WaitForHealthAsync(_name, "healthy");
            Assert.Equal("streamable_http", server.GetProperty("transport").GetString());
            Assert.True(server.GetProperty("enabled").GetBoolean());
            Assert.Equal("closed", server.GetProperty("circuit_state").GetString());
            Assert.Equal(0, server.GetProperty("consecutive_failures").GetInt32());
            Assert.Equal(_server.ToolNames.Count, server.GetProperty("tool_count").GetInt32());
            Assert.Equal(JsonValueKind.Null, server.GetProperty("recovery_eta_seconds").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, server.GetProperty("last_check_at").ValueKind);
        }
    }

    [Fact]
    public async Task Capabilities_lists_tools_with_qualified_names_and_schemas()
    {
        using var viewer = fixture.B.ClientAs("viewer");
        var tools = await Eventually.MatchesAsync(
            async () => (await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/tools/capabilities?server={_name}")).GetProperty("tools"),
            t => t.GetArrayLength() == _server.ToolNames.Count,
            TimeSpan.FromSeconds(10),
            "the server's tools on silo B");

        var echo = tools.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "echo");
        Assert.Equal(_name, echo.GetProperty("server").GetString());
        Assert.Equal($"{_name}__echo", echo.GetProperty("qualified_name").GetString());
        Assert.Equal("object", echo.GetProperty("input_schema").GetProperty("type").GetString());
        Assert.Equal("Returns the message.", echo.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Capabilities_leave_out_servers_that_are_not_healthy()
    {
        using var viewer = fixture.A.ClientAs("viewer");
        await _server.StopAsync();
        await viewer.WaitForHealthAsync(_name, "circuit_open");

        var tools = (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/mcp/tools/capabilities")).GetProperty("tools");

        Assert.DoesNotContain(tools.EnumerateArray(), t => t.GetProperty("server").GetString() == _name);
    }

    [Fact]
    public async Task Capabilities_of_an_unknown_server_is_404()
    {
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.GetAsync("/api/v1/mcp/tools/capabilities?server=nobody-here");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "nobody-here");
    }

    [Fact]
    public async Task Call_returns_content_is_error_and_duration_from_either_silo()
    {
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            using var op = host.ClientAs("operator");
            await Eventually.MatchesAsync(() => op.ServerViewAsync(_name), s => s.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10), "the server on this silo");
            var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "echo", """{"message":"hi"}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await JsonOfAsync(response);
            Assert.Equal("hi", result.GetProperty("content")[0].GetProperty("text").GetString());
            Assert.False(result.GetProperty("is_error").GetBoolean());
            Assert.True(result.GetProperty("duration_ms").GetDouble() > 0);
        }
    }

    [Fact]
    public async Task Call_errors_are_distinct()
    {
        using var op = fixture.A.ClientAs("operator");

        await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call("no-such-server", "echo")), HttpStatusCode.NotFound, "no-such-server");
        await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "no_such_tool")), HttpStatusCode.NotFound, "no_such_tool");
        await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "echo", """[1]""")), HttpStatusCode.BadRequest, "arguments");
        await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "slow", """{"delay_ms":5000}""")), HttpStatusCode.GatewayTimeout, "within 2 s");

        var failing = await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "fail"));
        Assert.Equal(HttpStatusCode.OK, failing.StatusCode);
        Assert.True((await JsonOfAsync(failing)).GetProperty("is_error").GetBoolean());
    }

    [Fact]
    public async Task Upstream_failure_is_502_and_then_503_with_retry_after()
    {
        // A long check interval: only the call itself can find the failure.
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("upstream");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint, intervalSeconds: 300))).StatusCode);
        using var op = fixture.A.ClientAs("operator");
        await op.WaitForHealthAsync(name, "healthy");
        server.Mode = TestServerMode.Error;

        var failed = await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"x"}"""));
        await AssertProblemAsync(failed, HttpStatusCode.BadGateway, name);

        var unavailable = await Eventually.MatchesAsync(
            () => op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"x"}""")),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(5),
            "503 once the server is marked down");
        await AssertProblemAsync(unavailable, HttpStatusCode.ServiceUnavailable, "disconnected");
        Assert.NotNull(unavailable.Headers.RetryAfter?.Delta);
        Assert.True(unavailable.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Status_has_an_etag_and_answers_304_until_something_changes()
    {
        using var viewer = fixture.A.ClientAs("viewer");
        var first = await viewer.GetAsync("/api/v1/mcp/status");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;
        var body = await first.Content.ReadAsStringAsync();

        // The live last check changes the representation every few seconds (the fixture's servers
        // are checked every second): an unchanged one must get 304, a changed one a new ETag and body.
        var notModified = false;
        for (var attempt = 0; attempt < 20 && !notModified; attempt++)
        {
            var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/mcp/status");
            again.Headers.IfNoneMatch.Add(etag);
            var answer = await viewer.SendAsync(again);
            notModified = answer.StatusCode == HttpStatusCode.NotModified;
            if (!notModified)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.NotEqual(etag, answer.Headers.ETag);
                var changedBody = await answer.Content.ReadAsStringAsync();
                Assert.NotEqual(body, changedBody);
                (etag, body) = (answer.Headers.ETag!, changedBody);
            }
        }
        Assert.True(notModified, "an unchanged status answers 304");

        await _server.StopAsync();
        await viewer.WaitForHealthAsync(_name, "disconnected");
        var changed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/mcp/status");
        changed.Headers.IfNoneMatch.Add(etag);
        var response = await viewer.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(etag, response.Headers.ETag);
    }

    [Fact]
    public async Task A_registration_through_the_api_goes_healthy_without_a_reload()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("live");
        using var admin = fixture.B.ClientAs("admin");

        var response = await admin.PostAsync("/api/v1/mcp/servers", Json(HttpServer(name, server.StreamableHttpEndpoint)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // How fast is for the benchmarks to measure; here it must happen with no reload asked for.
        await admin.WaitForHealthAsync(name, "healthy", TimeSpan.FromSeconds(20));
    }
}
