using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>Who may do what: no token, viewer, operator, admin against every endpoint; servers hidden by allowed_roles, tools by tool_roles.</summary>
[Collection("api")]
public sealed class AuthorizationTests(ApiFixture fixture) : IAsyncLifetime
{
    private TestMcpServer _server = null!;
    private string _open = null!;
    private string _operatorsOnly = null!;
    private string _tooled = null!;

    /// <summary><c>_tooled</c>'s tool_roles: echo for operators and admins, add for admins; its other tools follow the server (everyone).</summary>
    private const string ToolRoles = ""","tool_roles":{"echo":["operator"],"add":["admin"]}""";

    public async Task InitializeAsync()
    {
        _server = await TestMcpServer.StartAsync();
        _open = ClusterFixture.UniqueName("open");
        _operatorsOnly = ClusterFixture.UniqueName("ops-only");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(_open, _server.StreamableHttpEndpoint))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(_operatorsOnly, _server.StreamableHttpEndpoint, ""","allowed_roles":["operator"]"""))).StatusCode);
        _tooled = await fixture.A.RegisterHealthyAsync(_server, "tooled", ToolRoles, fixture.B);
        // Both hosts serve requests here; B's catalog learns of the registration on A from the status feed.
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            using var admin = host.ClientAs("admin");
            await admin.WaitForHealthAsync(_open, "healthy");
            await admin.WaitForHealthAsync(_operatorsOnly, "healthy");
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string?, string, string, int> Matrix()
    {
        var data = new TheoryData<string?, string, string, int>();
        void Add(string method, string path, int anonymous, int viewer, int op, int admin)
        {
            data.Add(null, method, path, anonymous);
            data.Add("viewer", method, path, viewer);
            data.Add("operator", method, path, op);
            data.Add("admin", method, path, admin);
        }
        Add("GET", "/health/live", 200, 200, 200, 200);
        Add("GET", "/health/ready", 200, 200, 200, 200);
        Add("GET", "/openapi/v1.json", 200, 200, 200, 200);
        Add("GET", "/api/v1/auth/verify", 401, 200, 200, 200);
        Add("POST", "/api/v1/auth/revocations|{}", 401, 403, 403, 400);
        Add("GET", "/api/v1/mcp/tools/servers", 401, 200, 200, 200);
        Add("GET", "/api/v1/mcp/status", 401, 200, 200, 200);
        Add("GET", "/api/v1/mcp/status/history", 401, 200, 200, 200);
        Add("GET", "/api/v1/mcp/tools/capabilities", 401, 200, 200, 200);
        Add("POST", "/api/v1/mcp/tools/call|{\"server\":\"{open}\",\"tool\":\"echo\",\"arguments\":{\"message\":\"m\"}}", 401, 403, 200, 200);
        Add("POST", "/api/v1/mcp/tools/call|{\"server\":\"{tooled}\",\"tool\":\"echo\",\"arguments\":{\"message\":\"m\"}}", 401, 403, 200, 200);
        Add("POST", "/api/v1/mcp/tools/call|{\"server\":\"{tooled}\",\"tool\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}", 401, 403, 404, 200);
        Add("GET", "/api/v1/mcp/prompts", 401, 200, 200, 200);
        Add("GET", "/api/v1/mcp/resources", 401, 200, 200, 200);
        Add("POST", "/api/v1/mcp/resources/read|{}", 401, 400, 400, 400);
        Add("POST", "/api/v1/mcp/prompts/get|{}", 401, 400, 400, 400);
        Add("POST", "/api/v1/mcp/servers|{\"name\":\"x\"}", 401, 403, 403, 400);
        Add("GET", "/api/v1/mcp/servers/{open}", 401, 403, 403, 200);
        Add("PUT", "/api/v1/mcp/servers/{open}|{}", 401, 403, 403, 400);
        Add("DELETE", "/api/v1/mcp/servers/never-registered", 401, 403, 403, 404);
        Add("POST", "/api/v1/mcp/servers/{open}/disable", 401, 403, 403, 200);
        Add("POST", "/api/v1/mcp/servers/{open}/enable", 401, 403, 403, 200);
        Add("POST", "/api/v1/mcp/servers/{open}/reset", 401, 403, 403, 200);
        Add("GET", "/api/v1/mcp/servers/{open}/health-log", 401, 200, 200, 200);
        Add("GET", "/api/v1/mcp/servers/{open}/tools", 401, 403, 403, 200);
        Add("POST", "/api/v1/mcp/servers/{open}/tools/approve|{\"tools\":[\"echo\"]}", 401, 403, 403, 409);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_gets_exactly_its_rights(string? role, string method, string target, int expected)
    {
        using var client = fixture.B.ClientAs(role);
        var parts = target.Replace("{open}", _open).Replace("{tooled}", _tooled).Split('|', 2);
        using var request = new HttpRequestMessage(new HttpMethod(method), parts[0]);
        if (parts.Length == 2)
        {
            request.Content = Json(parts[1]);
        }

        var response = await client.SendAsync(request);

        Assert.True((int)response.StatusCode == expected, $"{role ?? "anonymous"} {method} {parts[0]}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Viewer_never_sees_a_server_limited_to_operators()
    {
        using var viewer = fixture.A.ClientAs("viewer");
        using var op = fixture.A.ClientAs("operator");

        foreach (var path in new[] { "/api/v1/mcp/tools/servers", "/api/v1/mcp/status", "/api/v1/mcp/tools/capabilities" })
        {
            Assert.DoesNotContain(_operatorsOnly, await viewer.GetStringAsync(path));
            Assert.Contains(_operatorsOnly, await op.GetStringAsync(path));
        }
        await AssertProblemAsync(await viewer.GetAsync($"/api/v1/mcp/tools/capabilities?server={_operatorsOnly}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await viewer.GetAsync($"/api/v1/mcp/servers/{_operatorsOnly}/health-log"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync($"/api/v1/mcp/servers/{_operatorsOnly}/health-log")).StatusCode);
        var call = await op.PostAsync("/api/v1/mcp/tools/call", Call(_operatorsOnly, "echo", """{"message":"ok"}"""));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    /// <summary>allowed_roles names the lowest role that sees a server; the REST API, the hub and /mcp agree.</summary>
    [Fact]
    public async Task Allowed_roles_name_the_lowest_role_that_sees_the_server_in_rest_hub_and_mcp()
    {
        var lowest = new Dictionary<string, string>();
        foreach (var role in new[] { "viewer", "operator", "admin" })
        {
            lowest[role] = await fixture.A.RegisterHealthyAsync(_server, $"min-{role}", $$""","allowed_roles":["{{role}}"]""", fixture.B);
        }
        string[] ranks = ["viewer", "operator", "admin"];
        foreach (var role in ranks)
        {
            var expected = lowest.Where(p => Array.IndexOf(ranks, role) >= Array.IndexOf(ranks, p.Key)).Select(p => p.Value).Append(_open).Order().ToList();
            var all = lowest.Values.Append(_open).ToHashSet();
            using var rest = fixture.B.ClientAs(role);
            var listed = (await JsonOfAsync(await rest.GetAsync("/api/v1/mcp/tools/servers"))).GetProperty("servers").EnumerateArray()
                .Select(s => s.GetProperty("name").GetString()!).Where(all.Contains).Order().ToList();
            var snapshot = await HubSnapshotAsync(role);
            var pushed = snapshot.GetProperty("snapshot").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Where(all.Contains).Order().ToList();
            await using var mcp = await McpClientAsync(role);
            var offered = (await mcp.ListToolsAsync()).Select(t => t.Name.Split("__")[0]).Where(all.Contains).Distinct().Order().ToList();

            Assert.Equal(expected, listed);
            Assert.Equal(expected, pushed);
            Assert.Equal(expected, offered);
        }
    }

    /// <summary>The tools of <c>_tooled</c> each role may use: REST (and so the dashboard), the hub's tool count and /mcp agree.</summary>
    [Theory]
    [InlineData("viewer", "blob,fail,slow")]
    [InlineData("operator", "blob,echo,fail,slow")]
    [InlineData("admin", "add,blob,echo,fail,slow")]
    public async Task Tool_roles_hide_tools_in_rest_hub_and_mcp(string role, string expected)
    {
        using var rest = fixture.B.ClientAs(role);
        var capabilities = await JsonOfAsync(await rest.GetAsync($"/api/v1/mcp/tools/capabilities?server={_tooled}"));
        var listed = capabilities.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order().ToList();
        var everyServer = await JsonOfAsync(await rest.GetAsync("/api/v1/mcp/tools/capabilities"));
        var listedInAll = everyServer.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("qualified_name").GetString()!)
            .Where(n => n.StartsWith(_tooled + "__", StringComparison.Ordinal)).Select(n => n[(_tooled.Length + 2)..]).Order().ToList();
        var counted = (await rest.ServerViewAsync(_tooled)).GetProperty("tool_count").GetInt32();
        var pushed = (await HubSnapshotAsync(role)).GetProperty("snapshot").EnumerateArray().Single(s => s.GetProperty("name").GetString() == _tooled);
        await using var mcp = await McpClientAsync(role);
        var offered = (await mcp.ListToolsAsync()).Select(t => t.Name).Where(n => n.StartsWith(_tooled + "__", StringComparison.Ordinal))
            .Select(n => n[(_tooled.Length + 2)..]).Order().ToList();

        var tools = expected.Split(',');
        Assert.Equal(tools, listed);
        Assert.Equal(tools, listedInAll);
        Assert.Equal(tools.Length, counted);
        Assert.Equal(tools.Length, pushed.GetProperty("tool_count").GetInt32());
        Assert.Equal(tools, offered);
    }

    [Fact]
    public async Task A_hidden_tool_is_answered_on_rest_exactly_like_a_tool_that_does_not_exist()
    {
        using var op = fixture.B.ClientAs("operator");

        var hidden = await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_tooled, "add", """{"a":1,"b":2}""")), HttpStatusCode.NotFound);
        var missing = await AssertProblemAsync(await op.PostAsync("/api/v1/mcp/tools/call", Call(_tooled, "nope", """{"a":1,"b":2}""")), HttpStatusCode.NotFound);

        Assert.Equal(missing.Replace("'nope'", "'add'"), hidden);
    }

    [Fact]
    public async Task A_hidden_tool_is_answered_on_mcp_exactly_like_a_tool_that_does_not_exist()
    {
        await using var mcp = await McpClientAsync("operator");
        var arguments = new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 };

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(async () => await mcp.CallToolAsync($"{_tooled}__add", arguments));
        var missing = await Assert.ThrowsAsync<McpProtocolException>(async () => await mcp.CallToolAsync($"{_tooled}__nope", arguments));

        Assert.Equal(missing.ErrorCode, hidden.ErrorCode);
        Assert.Equal(missing.Message.Replace("'nope'", "'add'"), hidden.Message);
    }

    [Fact]
    public async Task Tool_roles_are_shown_to_admins_and_reloaded_on_every_silo_when_replaced()
    {
        var name = await fixture.A.RegisterHealthyAsync(_server, "retooled", ToolRoles, fixture.B);
        using var admin = fixture.A.ClientAs("admin");
        using var op = fixture.B.ClientAs("operator");
        var detail = await JsonOfAsync(await admin.GetAsync($"/api/v1/mcp/servers/{name}"));
        Assert.Equal(["admin"], detail.GetProperty("tool_roles").GetProperty("add").EnumerateArray().Select(r => r.GetString()));

        var replaced = await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, _server.StreamableHttpEndpoint, ""","tool_roles":{"echo":["admin"]}""")));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        await Eventually.MatchesAsync(
            async () => (await JsonOfAsync(await op.GetAsync($"/api/v1/mcp/tools/capabilities?server={name}"))).GetProperty("tools")
                .EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order().ToList(),
            tools => tools.SequenceEqual(["add", "blob", "fail", "slow"]), TimeSpan.FromSeconds(10), "B's operator view to follow the new tool_roles");
    }

    [Fact]
    public async Task Only_admins_see_the_silo_that_owns_a_server_in_rest_and_hub()
    {
        foreach (var role in new[] { "viewer", "operator", "admin" })
        {
            using var rest = fixture.B.ClientAs(role);
            var view = await rest.ServerViewAsync(_open);
            var snapshot = await HubSnapshotAsync(role);
            var pushed = snapshot.GetProperty("snapshot").EnumerateArray().Single(s => s.GetProperty("name").GetString() == _open);

            if (role == "admin")
            {
                Assert.Contains("127.0.0.1:", view.GetProperty("silo").GetString());
                Assert.Contains("127.0.0.1:", pushed.GetProperty("silo").GetString());
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, view.GetProperty("silo").ValueKind);
                Assert.False(pushed.TryGetProperty("silo", out _), $"a {role}'s snapshot names no silo");
                Assert.DoesNotContain("127.0.0.1:", await rest.GetStringAsync("/api/v1/mcp/status"));
            }
        }
    }

    /// <summary>The snapshot a hub client of B with <paramref name="role"/> gets on connect.</summary>
    private async Task<JsonElement> HubSnapshotAsync(string role)
    {
        await using var hub = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token(role));
        return await Eventually.MatchesAsync(
            () => Task.FromResult(hub.Events().FirstOrDefault(e => e.GetProperty("type").GetString() == "snapshot")),
            e => e.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10), "the hub's snapshot");
    }

    private Task<McpClient> McpClientAsync(string role) => fixture.A.McpClientAsync(role);

    [Fact]
    public async Task Operator_cannot_call_a_server_hidden_from_it()
    {
        var adminsOnly = ClusterFixture.UniqueName("adm-only");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(adminsOnly, _server.StreamableHttpEndpoint, ""","allowed_roles":["admin"]"""))).StatusCode);
        using var op = fixture.A.ClientAs("operator");

        var call = await op.PostAsync("/api/v1/mcp/tools/call", Call(adminsOnly, "echo", """{"message":"no"}"""));

        await AssertProblemAsync(call, HttpStatusCode.NotFound, adminsOnly);
    }

    [Fact]
    public async Task Verify_reports_user_and_role_for_forward_auth()
    {
        using var op = fixture.A.ClientAs("operator", user: "dora");

        var response = await op.GetAsync("/api/v1/auth/verify");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dora", response.Headers.GetValues("X-Auth-User").Single());
        Assert.Equal("operator", response.Headers.GetValues("X-Auth-Role").Single());
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong-key")]
    [InlineData("garbage")]
    [InlineData("unknown-role")]
    public async Task Bad_tokens_are_refused(string kind)
    {
        using var client = fixture.A.CreateClient();
        var token = kind switch
        {
            "expired" => fixture.A.Token("admin", lifetime: TimeSpan.FromMinutes(-5)),
            "wrong-key" => new Omni2.Host.Auth.TokenIssuer(new Omni2.Host.Auth.AuthOptions(),
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey("another-key-another-key-another-key-42"u8.ToArray())).Issue("mallory", "admin", TimeSpan.FromMinutes(5)),
            "unknown-role" => fixture.A.Token("root"),
            _ => "not.a.token",
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/api/v1/auth/verify");

        Assert.Equal(kind == "unknown-role" ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
