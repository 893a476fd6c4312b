using System.Net;
using System.Text;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>Two hosts of one cluster with small per-user limits, so that limits are reached in a few hundred requests.</summary>
public sealed class RateLimitFixture : TwoHostFixture
{
    public const int OperatorToolCalls = 100;
    public const int ViewerReads = 100;
    public const int ViewerHubConnections = 3;

    public TestMcpServer Server { get; private set; } = null!;

    public string ServerName { get; private set; } = "";

    /// <summary>The same server under another name, registered with max_concurrent_calls 2.</summary>
    public string NarrowServerName { get; private set; } = "";

    // An hour's window: the buckets barely refill while a test runs, so what passes is the limit itself.
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Omni2:RateLimits:Window"] = "01:00:00",
        ["Omni2:RateLimits:Roles:operator:ToolCalls"] = OperatorToolCalls.ToString(),
        ["Omni2:RateLimits:Roles:viewer:Reads"] = ViewerReads.ToString(),
        ["Omni2:RateLimits:Roles:viewer:HubConnections"] = ViewerHubConnections.ToString(),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Server = await TestMcpServer.StartAsync();
        ServerName = await A.RegisterHealthyAsync(Server, "limited", "", B);
        NarrowServerName = await A.RegisterHealthyAsync(Server, "narrow", ",\"max_concurrent_calls\":2,\"call_timeout_seconds\":30", B);
    }

    public override async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class RateLimitTests(RateLimitFixture fixture) : IClassFixture<RateLimitFixture>
{
    private const string StatelessMeta =
        """{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"limit-test","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}""";

    private static StringContent McpCall(int id, string tool) => new(
        "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{\"message\":\"hi\"},\"_meta\":" + StatelessMeta + "}}",
        Encoding.UTF8, "application/json");

    /// <summary>A stateless (2026-07-28) tool call on /mcp.</summary>
    private static async Task<HttpResponseMessage> PostMcpCallAsync(HttpClient client, int id, string tool)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = McpCall(id, tool) };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", tool);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Tool_calls_on_REST_and_mcp_across_two_silos_share_one_limit_and_other_users_are_unaffected()
    {
        var user = $"caller-{Guid.NewGuid():N}";
        using var onA = fixture.A.ClientAs("operator", user);
        using var onB = fixture.B.ClientAs("operator", user);
        var passed = 0;
        HttpResponseMessage? restRefusal = null, mcpRefusal = null;
        // Three times the limit, alternating silos and routes, four at a time.
        for (var round = 0; round < 3 * RateLimitFixture.OperatorToolCalls / 4; round++)
        {
            var responses = await Task.WhenAll(
                onA.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"a"}""")),
                onB.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"b"}""")),
                PostMcpCallAsync(onA, round, $"{fixture.ServerName}__echo"),
                PostMcpCallAsync(onB, round, $"{fixture.ServerName}__echo"));
            foreach (var (response, index) in responses.Select((r, i) => (r, i)))
            {
                if (response.StatusCode is HttpStatusCode.OK)
                {
                    passed++;
                }
                else if (response.StatusCode is HttpStatusCode.TooManyRequests)
                {
                    if (index < 2) { restRefusal ??= response; } else { mcpRefusal ??= response; }
                }
                else
                {
                    Assert.Fail($"unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.InRange(passed, RateLimitFixture.OperatorToolCalls * 0.9, RateLimitFixture.OperatorToolCalls * 1.1);
        Assert.NotNull(restRefusal);
        Assert.True(int.Parse(restRefusal.Headers.GetValues("Retry-After").Single()) >= 1);
        await AssertProblemAsync(restRefusal, HttpStatusCode.TooManyRequests, "Too many tool calls");
        Assert.NotNull(mcpRefusal);
        Assert.True(int.Parse(mcpRefusal.Headers.GetValues("Retry-After").Single()) >= 1);
        var error = (await JsonOfAsync(mcpRefusal)).GetProperty("error");
        Assert.Equal(-32029, error.GetProperty("code").GetInt32());
        Assert.True(error.GetProperty("data").GetProperty("retry_after_seconds").GetInt32() >= 1);

        // Another user's calls go through.
        using var other = fixture.B.ClientAs("operator", $"other-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsync("/api/v1/mcp/tools/call", Call(fixture.ServerName, "echo", """{"message":"c"}"""))).StatusCode);
    }

    [Fact]
    public async Task Reads_are_limited_per_user_across_silos()
    {
        var user = $"reader-{Guid.NewGuid():N}";
        using var onA = fixture.A.ClientAs("viewer", user);
        using var onB = fixture.B.ClientAs("viewer", user);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2 * RateLimitFixture.ViewerReads; i++)
        {
            statuses.Add((await (i % 2 == 0 ? onA : onB).GetAsync("/api/v1/mcp/status")).StatusCode);
        }

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), RateLimitFixture.ViewerReads * 0.9, RateLimitFixture.ViewerReads * 1.1);
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Hub_connections_are_limited_per_user()
    {
        var token = fixture.A.Token("viewer", $"watcher-{Guid.NewGuid():N}");
        using var http = fixture.A.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitFixture.ViewerHubConnections + 2; i++)
        {
            using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/ws/negotiate?negotiateVersion=1");
            negotiate.Headers.Authorization = new("Bearer", token);
            statuses.Add((await http.SendAsync(negotiate)).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, RateLimitFixture.ViewerHubConnections), statuses.Take(RateLimitFixture.ViewerHubConnections));
        Assert.All(statuses.Skip(RateLimitFixture.ViewerHubConnections), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task Calls_over_a_servers_max_concurrent_calls_get_503_with_Retry_After()
    {
        using var caller = fixture.A.ClientAs("operator", $"slow-{Guid.NewGuid():N}");
        // Three calls that each take seconds, at once: two are let through, the third is refused.
        var calls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            caller.PostAsync("/api/v1/mcp/tools/call", Call(fixture.NarrowServerName, "slow", """{"delay_ms":4000}"""))));

        Assert.Equal(2, calls.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = calls.Single(r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "max_concurrent_calls");
        // Once they are done, the server takes calls again.
        Assert.Equal(HttpStatusCode.OK, (await caller.PostAsync("/api/v1/mcp/tools/call", Call(fixture.NarrowServerName, "echo", """{"message":"y"}"""))).StatusCode);
    }
}
