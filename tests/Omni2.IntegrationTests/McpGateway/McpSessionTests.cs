using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using Omni2.Host.McpGateway;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>
/// Two silos on one database with short session and retention timings: what an MCP session leaves
/// behind in memory and in the database, from start to end, and the health log's retention.
/// </summary>
public sealed class McpSessionFixture : TwoHostFixture
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(6);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Omni2:Mcp:SessionIdleTimeout"] = IdleTimeout.ToString(),
        ["Omni2:HealthLog:SweepInterval"] = "00:00:01",
        ["Omni2:HealthLog:Retention"] = "1.00:00:00",
    };
}

public sealed class McpSessionTests(McpSessionFixture fixture) : IClassFixture<McpSessionFixture>
{
    private const string SessionsProtocol = "2025-11-25";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private Task<long> SessionRowsAsync(string? sessionId = null) =>
        fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM orleansstorage WHERE serviceid = $1 AND graintypestring = 'mcp-session' AND ($2::text IS NULL OR grainidextensionstring = $2)",
            fixture.ServiceId, sessionId);

    private static int Tracked(ApiHost host) => host.Services.GetRequiredService<GatewaySessions>().Count;

    private async Task<McpClient> ConnectAsync(ApiHost host, string protocol, string user)
    {
        var http = host.ClientAs("operator", user);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocol });
    }

    /// <summary>One JSON-RPC message to /mcp as the given user, optionally within a session.</summary>
    private static async Task<HttpResponseMessage> PostAsync(ApiHost host, string user, string json, string? sessionId = null)
    {
        using var http = host.ClientAs("operator", user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", SessionsProtocol);
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Opens a session with raw HTTP and walks away: no DELETE, no further request.</summary>
    private static async Task<string> OpenAndAbandonSessionAsync(ApiHost host, string user)
    {
        var initialize = await PostAsync(host, user, $$$$"""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"{{{{SessionsProtocol}}}}","capabilities":{},"clientInfo":{"name":"abandoner","version":"1"}}}
            """);
        Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
        var sessionId = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, user, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", sessionId)).StatusCode);
        return sessionId;
    }

    private static string ListTools(int id) => $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/list","params":{}}""";

    [Fact]
    public async Task Stateless_requests_leave_no_session_in_memory_or_in_the_database()
    {
        // Sessions of the other tests may still be running (or ending) meanwhile: none may be added.
        var (tracked, rows) = (Tracked(fixture.A), await SessionRowsAsync());
        await using var client = await ConnectAsync(fixture.A, "2026-07-28", "stateless-agent");
        for (var i = 0; i < 300; i++)
        {
            await client.ListToolsAsync();
        }

        Assert.Null(client.SessionId);
        Assert.True(Tracked(fixture.A) <= tracked, $"{Tracked(fixture.A)} sessions tracked after 300 stateless requests, {tracked} before");
        Assert.True(await SessionRowsAsync() <= rows, "no session record is written for a stateless request");
    }

    [Fact]
    public async Task A_session_is_tracked_while_it_runs_continues_on_the_other_silo_and_its_record_goes_with_its_DELETE()
    {
        var client = await ConnectAsync(fixture.A, SessionsProtocol, "session-agent");
        var sessionId = client.SessionId!;
        await client.ListToolsAsync();
        Assert.Equal(1, await SessionRowsAsync(sessionId));
        Assert.True(Tracked(fixture.A) >= 1, "the session is tracked on the silo running it");

        // The other silo continues the session from its record.
        var onB = await PostAsync(fixture.B, "session-agent", ListTools(7), sessionId);
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
        // The session belongs to its user only.
        Assert.Contains((await PostAsync(fixture.B, "someone-else", ListTools(8), sessionId)).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });

        await client.DisposeAsync(); // DELETE /mcp
        await Eventually.MatchesAsync(() => SessionRowsAsync(sessionId), rows => rows == 0, Deadline, "the session's record to be deleted");
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(fixture.B, "session-agent", ListTools(9), Guid.NewGuid().ToString("N"))).StatusCode);
    }

    [Fact]
    public async Task An_unknown_session_id_gets_404_and_writes_nothing()
    {
        var before = await SessionRowsAsync();
        var unknown = $"unknown-{Guid.NewGuid():N}";

        var response = await PostAsync(fixture.B, "prober", ListTools(1), unknown);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await SessionRowsAsync(unknown));
        Assert.Equal(before, await SessionRowsAsync());
    }

    [Fact]
    public async Task A_busy_session_keeps_its_record_past_the_idle_timeout_and_an_abandoned_one_expires()
    {
        var abandoned = await OpenAndAbandonSessionAsync(fixture.A, "walker");
        var busy = await ConnectAsync(fixture.A, SessionsProtocol, "busy-agent");
        await using var _ = busy;
        Assert.Equal(1, await SessionRowsAsync(abandoned));

        // Busy for three idle timeouts: its record is renewed, the abandoned one expires and is swept.
        var until = DateTime.UtcNow + 3 * McpSessionFixture.IdleTimeout;
        while (DateTime.UtcNow < until)
        {
            await busy.ListToolsAsync();
            await Task.Delay(500);
        }
        await Eventually.MatchesAsync(() => SessionRowsAsync(abandoned), rows => rows == 0, Deadline, "the abandoned session's record to expire");

        Assert.Equal(1, await SessionRowsAsync(busy.SessionId));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(fixture.B, "busy-agent", ListTools(2), busy.SessionId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(fixture.B, "walker", ListTools(3), abandoned)).StatusCode);
    }

    [Fact]
    public async Task Health_log_rows_past_their_retention_are_deleted_and_newer_ones_kept()
    {
        await fixture.Database.ExecuteAsync("""
            INSERT INTO omni2.mcp_health_log (event_id, server_name, event_type, old_status, new_status, created_at)
            VALUES (gen_random_uuid(), 'retained', 'connected', 'unknown', 'healthy', now() - interval '2 days'),
                   (gen_random_uuid(), 'retained', 'disconnected', 'healthy', 'disconnected', now() - interval '1 hour')
            """);

        await Eventually.MatchesAsync(
            () => fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log WHERE server_name = 'retained' AND created_at < now() - interval '1 day'"),
            rows => rows == 0, Deadline, "the two-day-old row to be deleted");
        Assert.Equal(1, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log WHERE server_name = 'retained'"));
    }
}
