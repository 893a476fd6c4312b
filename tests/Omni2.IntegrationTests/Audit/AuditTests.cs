using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Omni2.Grains.Persistence;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Audit;

/// <summary>Two hosts of one cluster on PostgreSQL with a small per-user tool-call limit, and one real MCP server.</summary>
public sealed class AuditFixture : TwoHostFixture
{
    public const int OperatorToolCalls = 5;

    public TestMcpServer Server { get; private set; } = null!;

    public string ServerName { get; private set; } = "";

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Omni2:RateLimits:Window"] = "01:00:00",
        ["Omni2:RateLimits:Roles:operator:ToolCalls"] = OperatorToolCalls.ToString(),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Server = await TestMcpServer.StartAsync();
        ServerName = await A.RegisterHealthyAsync(Server, "audited", "", B);
    }

    public override async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>Every tool call, REST and /mcp, allowed or refused, lands in omni2.tool_call_log and the admin's audit query.</summary>
public sealed class AuditTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private const string Secret = "do-not-keep-this-argument";

    private static string NewUser(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    /// <summary>The admin's audit query on silo B (calls were made on A), waiting until <paramref name="count"/> calls of the user are there.</summary>
    private async Task<JsonElement[]> AuditOfAsync(string user, int count, string query = "")
    {
        using var admin = fixture.B.ClientAs("admin", "auditor");
        return await Eventually.MatchesAsync(
            async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/audit/tool-calls?user={user}{query}")).GetProperty("calls").EnumerateArray().ToArray(),
            calls => calls.Length >= count,
            TimeSpan.FromSeconds(15),
            $"{count} audited calls of {user}");
    }

    private async Task<McpClient> ConnectMcpAsync(string role, string user)
    {
        var http = fixture.A.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.A.Token(role, user));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }

    [Fact]
    public async Task A_rest_call_is_recorded_with_every_field_and_never_its_arguments()
    {
        var user = NewUser("rest");
        using var op = fixture.A.ClientAs("operator", user);
        var arguments = $$"""{"message":"{{Secret}}"}""";

        var response = await op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", arguments));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = (await AuditOfAsync(user, 1)).Single();
        Assert.Equal(user, call.GetProperty("user").GetString());
        Assert.Equal(["operator"], call.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(fixture.ServerName, call.GetProperty("server").GetString());
        Assert.Equal("echo", call.GetProperty("tool").GetString());
        Assert.Equal("rest", call.GetProperty("route").GetString());
        Assert.Equal("completed", call.GetProperty("outcome").GetString());
        Assert.Equal(200, call.GetProperty("http_status").GetInt32());
        Assert.InRange(call.GetProperty("duration_ms").GetDouble(), 0.001, 10_000);
        Assert.Equal(Encoding.UTF8.GetByteCount(arguments), call.GetProperty("argument_bytes").GetInt32());
        Assert.Matches("^[0-9a-f]{32}$", call.GetProperty("trace_id").GetString());
        Assert.InRange(call.GetProperty("time").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM omni2.tool_call_log t WHERE row_to_json(t)::text LIKE '%' || $1 || '%'", Secret));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.tool_call_log WHERE user_name = $1", user));
    }

    [Fact]
    public async Task Rest_calls_refused_are_recorded_with_their_status_and_outcome()
    {
        var user = NewUser("refused");
        using var op = fixture.A.ClientAs("operator", user);
        using var viewer = fixture.A.ClientAs("viewer", user);

        Assert.Equal(HttpStatusCode.NotFound, (await op.PostAsync("/api/v1/mcp/tools/call", Call("no-such-server", "echo"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "no_such_tool"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.PostAsync("/api/v1/mcp/tools/call", Json("""{"tool":"echo"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"m"}"""))).StatusCode);

        var calls = await AuditOfAsync(user, 4);
        var byOutcome = calls.ToDictionary(c => c.GetProperty("outcome").GetString()!);
        Assert.Equal(["forbidden", "invalid_request", "unknown_server", "unknown_tool"], byOutcome.Keys.Order());
        Assert.Equal(404, byOutcome["unknown_server"].GetProperty("http_status").GetInt32());
        Assert.Equal("no-such-server", byOutcome["unknown_server"].GetProperty("server").GetString());
        Assert.Equal("no_such_tool", byOutcome["unknown_tool"].GetProperty("tool").GetString());
        Assert.Equal(JsonValueKind.Null, byOutcome["invalid_request"].GetProperty("server").ValueKind);
        // Refused by authorization, before the endpoint read the body: named from the body all the same.
        Assert.Equal(403, byOutcome["forbidden"].GetProperty("http_status").GetInt32());
        Assert.Equal(fixture.ServerName, byOutcome["forbidden"].GetProperty("server").GetString());
        Assert.Equal(["viewer"], byOutcome["forbidden"].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Calls_over_the_rate_limit_are_recorded_as_rate_limited_on_both_routes()
    {
        var user = NewUser("flood");
        using var op = fixture.A.ClientAs("operator", user);
        for (var i = 0; i < AuditFixture.OperatorToolCalls; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"m"}"""))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"m"}"""))).StatusCode);
        await using var mcp = await ConnectMcpAsync("operator", user);
        await Assert.ThrowsAnyAsync<Exception>(() => mcp.CallToolAsync($"{fixture.ServerName}__echo", new Dictionary<string, object?> { ["message"] = "m" }).AsTask());

        var limited = await AuditOfAsync(user, 2, "&outcome=rate_limited");
        Assert.Equal(["mcp", "rest"], limited.Select(c => c.GetProperty("route").GetString()).Order());
        Assert.All(limited, c =>
        {
            Assert.Equal(429, c.GetProperty("http_status").GetInt32());
            Assert.Equal(fixture.ServerName, c.GetProperty("server").GetString());
            Assert.Equal("echo", c.GetProperty("tool").GetString());
        });
    }

    [Fact]
    public async Task Mcp_calls_are_recorded_with_route_mcp_allowed_or_refused()
    {
        var user = NewUser("agent");
        await using (var op = await ConnectMcpAsync("operator", user))
        {
            var result = await op.CallToolAsync($"{fixture.ServerName}__echo", new Dictionary<string, object?> { ["message"] = Secret });
            Assert.False(result.IsError ?? false);
            await Assert.ThrowsAsync<McpProtocolException>(() => op.CallToolAsync("nowhere__echo").AsTask());
        }
        await using (var viewer = await ConnectMcpAsync("viewer", user))
        {
            Assert.True((await viewer.CallToolAsync($"{fixture.ServerName}__echo", new Dictionary<string, object?> { ["message"] = "m" })).IsError);
        }

        var calls = await AuditOfAsync(user, 3);
        Assert.All(calls, c => Assert.Equal("mcp", c.GetProperty("route").GetString()));
        var byOutcome = calls.ToDictionary(c => c.GetProperty("outcome").GetString()!);
        Assert.Equal(["completed", "forbidden", "unknown_server"], byOutcome.Keys.Order());
        Assert.Equal(fixture.ServerName, byOutcome["completed"].GetProperty("server").GetString());
        Assert.Equal("echo", byOutcome["completed"].GetProperty("tool").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount($$"""{"message":"{{Secret}}"}"""), byOutcome["completed"].GetProperty("argument_bytes").GetInt32());
        Assert.Equal("nowhere", byOutcome["unknown_server"].GetProperty("server").GetString());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM omni2.tool_call_log t WHERE row_to_json(t)::text LIKE '%' || $1 || '%'", Secret));
    }

    [Fact]
    public async Task The_query_filters_and_pages_newest_first()
    {
        var user = NewUser("pager");
        using var op = fixture.A.ClientAs("operator", user);
        foreach (var tool in new[] { "echo", "no_such_tool", "echo" })
        {
            await op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, tool, """{"message":"m"}"""));
        }

        var all = await AuditOfAsync(user, 3);
        var times = all.Select(c => c.GetProperty("time").GetDateTimeOffset()).ToArray();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(2, (await AuditOfAsync(user, 2, "&tool=echo")).Length);
        Assert.Equal(2, (await AuditOfAsync(user, 2, $"&server={fixture.ServerName}&outcome=completed")).Length);
        var first = (await AuditOfAsync(user, 1, "&limit=1")).Single();
        Assert.Equal(times[0], first.GetProperty("time").GetDateTimeOffset());
        var before = Uri.EscapeDataString(first.GetProperty("time").GetString()!);
        var older = await AuditOfAsync(user, 2, $"&before={before}");
        Assert.Equal(times[1..], older.Select(c => c.GetProperty("time").GetDateTimeOffset()));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("outcome=exploded", "outcome")]
    [InlineData("before=yesterday", "before")]
    [InlineData("before=2026-05-01T10:00:00", "before")]
    public async Task Bad_query_parameters_get_a_400_problem_naming_them(string query, string field)
    {
        using var admin = fixture.A.ClientAs("admin");

        var response = await admin.GetAsync($"/api/v1/mcp/audit/tool-calls?{query}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        var problem = await JsonOfAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_limit_that_is_not_a_number_gets_a_400_problem()
    {
        using var admin = fixture.A.ClientAs("admin");

        await AssertProblemAsync(await admin.GetAsync("/api/v1/mcp/audit/tool-calls?limit=ten"), HttpStatusCode.BadRequest, "limit");
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    public async Task Only_admins_read_the_audit(string role)
    {
        using var client = fixture.A.ClientAs(role);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/mcp/audit/tool-calls")).StatusCode);
    }

    [Fact]
    public async Task No_call_is_dropped_while_the_database_answers()
    {
        var user = NewUser("count");
        using var op = fixture.B.ClientAs("admin", user);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => op.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"m"}"""))));

        await AuditOfAsync(user, 50, "&limit=500");
        using var anonymous = fixture.B.ClientAs(null);
        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.DoesNotContain("omni2_audit_dropped", metrics.Split('\n').Where(l => !l.StartsWith('#') && !l.EndsWith(" 0")));
    }

    [Fact]
    public async Task Retention_deletes_calls_older_than_Omni2_Audit_Retention()
    {
        await fixture.Database.ExecuteAsync("""
            INSERT INTO omni2.tool_call_log (called_at, user_name, route, outcome, http_status, duration_ms)
            VALUES (now() - interval '31 days', 'ancient', 'rest', 'completed', 200, 1), (now() - interval '29 days', 'ancient', 'rest', 'completed', 200, 1)
            """);
        var sweeper = fixture.A.Services.GetServices<IHostedService>().OfType<RetentionSweeper>().Single();

        await sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.tool_call_log WHERE user_name = 'ancient'"));
    }
}

/// <summary>The embedded default keeps the audit in memory, the newest <c>Omni2:Audit:MemoryCapacity</c> calls.</summary>
public sealed class InMemoryAuditTests
{
    [Fact]
    public async Task The_embedded_default_keeps_the_newest_calls_in_memory_bounded()
    {
        await using var server = await TestMcpServer.StartAsync();
        await using var host = ApiHost.Embedded(new Dictionary<string, string?>
        {
            ["Omni2:Servers:0:Enabled"] = "false",
            ["Omni2:Audit:MemoryCapacity"] = "3",
        });
        host.StartServer();
        var name = await host.RegisterHealthyAsync(server, "memory");
        using var op = host.ClientAs("admin", "embedded-user");
        for (var i = 0; i < 5; i++)
        {
            await op.PostAsync("/api/v1/mcp/tools/call", Call(name, i < 4 ? "echo" : "no_such_tool", """{"message":"m"}"""));
        }

        var calls = await Eventually.MatchesAsync(
            async () => (await op.GetFromJsonAsync<JsonElement>("/api/v1/mcp/audit/tool-calls?user=embedded-user")).GetProperty("calls").EnumerateArray().ToArray(),
            c => c.Length == 3 && c[0].GetProperty("outcome").GetString() == "unknown_tool",
            TimeSpan.FromSeconds(10),
            "the newest three calls");
        Assert.Equal(["unknown_tool", "completed", "completed"], calls.Select(c => c.GetProperty("outcome").GetString()));
    }
}
