using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Servers;

/// <summary>
/// How long a proxied call lives: up to its server's own call timeout (not Orleans' response timeout,
/// which this host lowers to 3 s so that the difference shows in seconds), and no longer than its
/// caller waits. Real host, real MCP server, real HTTP and MCP clients.
/// </summary>
public sealed class CallLifetimeTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;
    private ApiHost _host = null!;
    private TestMcpServer _server = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _host = new ApiHost(_database.ConnectionString, $"omni2-calls-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Orleans:ResponseTimeout"] = "00:00:03",
        });
        _host.StartServer();
        _server = await TestMcpServer.StartAsync();
        _name = ClusterFixture.UniqueName("lifetime");
        var body = $$"""{"name":"{{_name}}","transport":"streamable_http","url":"{{_server.StreamableHttpEndpoint}}","health_check_interval_seconds":1,"check_timeout_seconds":2,"call_timeout_seconds":30}""";
        Assert.Equal(HttpStatusCode.Created, (await _host.RegisterAsync(body)).StatusCode);
        using var viewer = _host.ClientAs("viewer");
        await viewer.WaitForHealthAsync(_name, "healthy");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_call_longer_than_the_grain_response_timeout_runs_to_its_servers_call_timeout()
    {
        using var op = _host.ClientAs("operator");
        op.Timeout = TimeSpan.FromSeconds(60);

        var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "slow", """{"delay_ms":6000}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", (await JsonOfAsync(response)).GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_rest_client_that_goes_away_cancels_the_upstream_call()
    {
        using var op = _host.ClientAs("operator");
        op.Timeout = TimeSpan.FromSeconds(1);

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "slow", """{"delay_ms":20000}""")));

        await Eventually.MatchesAsync(() => Task.FromResult(_server.CancelledCallCount), n => n == 1, TimeSpan.FromSeconds(10), "the upstream call to be cancelled");
        using var viewer = _host.ClientAs("viewer");
        Assert.Equal("healthy", (await viewer.ServerViewAsync(_name)).GetProperty("health_status").GetString());
    }

    [Fact]
    public async Task An_mcp_client_that_cancels_cancels_the_upstream_call()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _host.Token("operator", user: "agent"));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_host.CreateClient().BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" });
        // The request with an id of the agent's own, so that it can cancel it as the protocol says:
        // notifications/cancelled naming that id.
        var request = new JsonRpcRequest
        {
            Id = new RequestId("agent-call-1"),
            Method = RequestMethods.ToolsCall,
            Params = JsonSerializer.SerializeToNode(new CallToolRequestParams
            {
                Name = $"{_name}__slow",
                Arguments = new Dictionary<string, JsonElement> { ["delay_ms"] = JsonSerializer.SerializeToElement(20000) },
            }, McpJsonUtilities.DefaultOptions),
        };
        var call = client.SendRequestAsync(request);
        await Eventually.MatchesAsync(() => Task.FromResult(_server.ToolCallCount), n => n == 1, TimeSpan.FromSeconds(10), "the call to reach the upstream");

        await client.SendNotificationAsync(NotificationMethods.CancelledNotification, new CancelledNotificationParams { RequestId = request.Id, Reason = "the agent gave up" });

        await Eventually.MatchesAsync(() => Task.FromResult(_server.CancelledCallCount), n => n == 1, TimeSpan.FromSeconds(10), "the upstream call to be cancelled");
        Assert.False(call.IsCompletedSuccessfully, "a cancelled call gets no result");
    }

    [Fact]
    public async Task A_request_the_upstream_refuses_as_too_large_fails_only_that_call()
    {
        _server.MaxRequestBytes = 4096;
        using var op = _host.ClientAs("operator");
        var big = new string('x', 10_000);

        for (var i = 0; i < 3; i++)
        {
            await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "echo", $$"""{"message":"{{big}}"}""")), HttpStatusCode.BadGateway, "HTTP 413");
        }

        // Checks keep passing (their requests are small) and nothing marked the server down.
        using var admin = _host.ClientAs("admin");
        await Eventually.MatchesAsync(
            async () => (await admin.ServerViewAsync(_name)).GetProperty("last_check_at").GetDateTimeOffset(),
            at => at > DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(15),
            "a check after the refused calls");
        Assert.Equal("healthy", (await admin.ServerViewAsync(_name)).GetProperty("health_status").GetString());
        Assert.DoesNotContain(await _database.QueryAsync("SELECT event_type FROM omni2.mcp_health_log WHERE server_name = $1", r => r.GetString(0), _name), e => e == "disconnected");
        var small = await op.PostAsync("/api/v1/mcp/tools/call", Call(_name, "echo", """{"message":"hi"}"""));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }
}
