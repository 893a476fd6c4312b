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

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>The fleet as one MCP server at /mcp, used by the official C# SDK client.</summary>
[Collection("api")]
public sealed class McpGatewayTests(ApiFixture fixture)
{
    /// <summary>Sends each request of one client to the next silo in turn: no stickiness at all.</summary>
    private sealed class AlternatingSilos(IReadOnlyList<Uri> silos) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _next;

        public List<string> Hosts { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var silo = silos[Interlocked.Increment(ref _next) % silos.Count];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = silo.Host, Port = silo.Port }.Uri;
            lock (Hosts)
            {
                Hosts.Add(silo.Authority);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<(McpClient Client, AlternatingSilos Routing)> ConnectAsync(string role, Action<string>? onListChanged = null)
    {
        var routing = new AlternatingSilos([fixture.A.CreateClient().BaseAddress!, fixture.B.CreateClient().BaseAddress!]);
        var http = new HttpClient(routing);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.A.Token(role, user: $"agent-{role}"));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.A.CreateClient().BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            EnableStandaloneGetStream = true,
        }, http, null, ownsHttpClient: true);
        // 2025-11-25: the revision with sessions, over which servers push notifications.
        var options = new McpClientOptions { ProtocolVersion = "2025-11-25" };
        if (onListChanged is not null)
        {
            options.Handlers = new McpClientHandlers
            {
                NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (n, _) => { onListChanged(n.Method); return ValueTask.CompletedTask; })],
            };
        }
        return (await McpClient.CreateAsync(transport, options), routing);
    }

    private async Task<(string Name, TestMcpServer Server)> RegisterAsync(string prefix, string extra = "")
    {
        var server = await TestMcpServer.StartAsync();
        return (await fixture.A.RegisterHealthyAsync(server, prefix, extra, fixture.B), server);
    }

    [Fact]
    public async Task Agent_lists_qualified_tools_and_calls_one_with_requests_alternating_between_silos()
    {
        var (name, server) = await RegisterAsync("gw");
        await using var _ = server;
        var (client, routing) = await ConnectAsync("operator");
        await using var __ = client;

        var tools = await client.ListToolsAsync();
        var echo = tools.Single(t => t.Name == $"{name}__echo");
        Assert.Equal("Returns the message.", echo.Description);
        Assert.Equal("object", echo.JsonSchema.GetProperty("type").GetString());
        var result = await client.CallToolAsync($"{name}__echo", new Dictionary<string, object?> { ["message"] = "via omni2" });

        Assert.False(result.IsError ?? false);
        Assert.Equal("via omni2", Assert.IsType<TextContentBlock>(result.Content.Single()).Text);
        Assert.True(routing.Hosts.Distinct().Count() == 2, $"requests reached {string.Join(", ", routing.Hosts.Distinct())}");
    }

    [Fact]
    public async Task Unhealthy_server_gives_a_tool_error_naming_it_and_its_eta()
    {
        var (name, server) = await RegisterAsync("gw-down");
        var (client, _) = await ConnectAsync("operator");
        await using var __ = client;
        await client.ListToolsAsync();

        await server.DisposeAsync();
        using var viewer = fixture.A.ClientAs("viewer");
        await viewer.WaitForHealthAsync(name, "circuit_open");
        var result = await client.CallToolAsync($"{name}__echo", new Dictionary<string, object?> { ["message"] = "anyone?" });

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(result.Content.Single()).Text;
        Assert.Contains(name, text);
        Assert.Contains("next recovery attempt in", text);
    }

    [Fact]
    public async Task Unknown_tool_is_a_protocol_error()
    {
        var (client, _) = await ConnectAsync("operator");
        await using var __ = client;

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("nobody__echo", new Dictionary<string, object?>()).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
    }

    [Fact]
    public async Task Agents_see_and_call_only_servers_their_role_may_use()
    {
        var (name, server) = await RegisterAsync("gw-ops", ""","allowed_roles":["operator"]""");
        await using var _ = server;
        var (viewer, _) = await ConnectAsync("viewer");
        await using var __ = viewer;

        Assert.DoesNotContain(await viewer.ListToolsAsync(), t => t.Name.StartsWith(name, StringComparison.Ordinal));
        await Assert.ThrowsAsync<McpProtocolException>(() => viewer.CallToolAsync($"{name}__echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
    }

    [Fact]
    public async Task Agent_is_told_the_tool_list_changed_when_a_server_dies()
    {
        var (name, server) = await RegisterAsync("gw-notify");
        var notified = 0;
        var (client, _) = await ConnectAsync("operator", _ => Interlocked.Increment(ref notified));
        await using var __ = client;
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == $"{name}__echo");

        await server.DisposeAsync();

        await Eventually.MatchesAsync(() => Task.FromResult(Volatile.Read(ref notified)), n => n > 0, TimeSpan.FromSeconds(15), "notifications/tools/list_changed");
        // The list is read from whichever silo the request reaches; each applies the change within moments.
        await Eventually.MatchesAsync(
            async () => (await client.ListToolsAsync()).Select(t => t.Name).ToList(),
            tools => !tools.Contains($"{name}__echo"),
            TimeSpan.FromSeconds(5),
            "the dead server's tools gone from tools/list");
    }

    [Fact]
    public async Task Without_a_token_the_endpoint_refuses()
    {
        using var anonymous = fixture.A.CreateClient();

        var response = await anonymous.PostAsync("/mcp", Json("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
