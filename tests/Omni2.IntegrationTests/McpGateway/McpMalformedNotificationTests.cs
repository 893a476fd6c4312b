using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>
/// A notification that carries an <c>id</c> (so is none) with junk params, on a live session and
/// statelessly, under each protocol revision's header: a clear JSON-RPC error or a 4xx, never a 500.
/// The case a fuzz run once answered with a 500 (<c>notifications/cancelled</c>, 2026-07-28).
/// </summary>
[Collection("api")]
public sealed class McpMalformedNotificationTests(ApiFixture fixture)
{
    private const string SessionsProtocol = "2025-11-25";
    private const string Meta = "\"_meta\":" +
        """{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"fuzz","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}""";

    public static TheoryData<string, string> Messages => new()
    {
        { "notifications/cancelled", """{"requestId":{"x":[1]},"reason":42}""" },
        { "notifications/cancelled", """{"requestId":null}""" },
        { "notifications/cancelled", "\"junk\"" },
        { "notifications/cancelled", "[1,2,3]" },
        { "notifications/cancelled", """{"requestId":1,"reason":"x",""" + Meta + "}" },
        { "notifications/cancelled", """{"requestId":7},"result":{"x":1}""" },
        { "notifications/cancelled", """{"requestId":7},"error":{"code":"x","message":[]}""" },
        { "notifications/initialized", """{"junk":true}""" },
        { "notifications/progress", """{"progressToken":{},"progress":"many"}""" },
    };

    /// <summary>The ids the fuzzer sends: valid ones, and numbers and values no JSON-RPC id may be.</summary>
    private static readonly string[] Ids = ["7", "\"a\"", "null", "1.5", "-1", "9223372036854775808", "123456789012345678901234567890", "1e400", "true", "{}", "[]", "[1]"];

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string json, string protocol, string? sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", protocol);
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<string> OpenSessionAsync(HttpClient http)
    {
        var initialize = await PostAsync(http, $$$$"""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"{{{{SessionsProtocol}}}}","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}
            """, SessionsProtocol, null);
        Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
        var sessionId = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", SessionsProtocol, sessionId)).StatusCode);
        return sessionId;
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task A_notification_with_an_id_and_junk_params_is_never_a_500(string method, string parameters)
    {
        using var http = fixture.A.ClientAs("operator", "fuzzer");
        var sessionId = await OpenSessionAsync(http);
        var failures = new List<string>();
        foreach (var id in Ids)
        {
            var message = $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}""";
            foreach (var (protocol, session) in new[] { ("2026-07-28", sessionId), (SessionsProtocol, sessionId), ("2026-07-28", (string?)null) })
            {
                var response = await PostAsync(http, message, protocol, session);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"id {id}, protocol {protocol}, {(session is null ? "stateless" : "in a session")}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The session still serves.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}""", SessionsProtocol, sessionId)).StatusCode);
    }
}
