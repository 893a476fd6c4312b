using System.Net;
using System.Text;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>Every kind of bad input gets a 4xx problem that says what was wrong, and changes nothing.</summary>
[Collection("api")]
public sealed class BadInputTests(ApiFixture fixture)
{
    private const string Url = "http://127.0.0.1:9/mcp";

    private static string Server(string fields) => "{\"name\":\"bad-input\"," + fields + "}";

    public static TheoryData<string, string, string, string?, string, int, string> Cases() => new()
    {
        // label, method, path, content type, body, expected status, detail fragment
        { "not json", "POST", "/api/v1/mcp/servers", "application/json", "{", 400, "not valid" },
        { "empty body", "POST", "/api/v1/mcp/servers", "application/json", "", 400, "not valid" },
        { "array body", "POST", "/api/v1/mcp/servers", "application/json", "[]", 400, "not valid" },
        { "null body", "POST", "/api/v1/mcp/servers", "application/json", "null", 400, "not null" },
        { "string body", "POST", "/api/v1/mcp/servers", "application/json", "\"server\"", 400, "not valid" },
        { "text/plain", "POST", "/api/v1/mcp/servers", "text/plain", "{}", 415, "must be JSON" },
        { "no content type", "POST", "/api/v1/mcp/servers", null, "{}", 415, "must be JSON" },
        { "trailing comma", "POST", "/api/v1/mcp/servers", "application/json", "{\"name\":\"x\",}", 400, "not valid" },
        { "missing name", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name is required" },
        { "uppercase name", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"Bad\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "64-char name", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"{new string('a', 64)}\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "name with space", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"a b\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "name starts with dash", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"-a\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "name with double underscore", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"a__b\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "name ending in underscore", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"ab_\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "non-ascii name", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":\"caf\u00e9\",\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "name must match" },
        { "numeric name", "POST", "/api/v1/mcp/servers", "application/json", $"{{\"name\":42,\"transport\":\"sse\",\"url\":\"{Url}\"}}", 400, "$.name" },
        { "missing transport", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"url\":\"{Url}\""), 400, "transport is required" },
        { "unknown transport", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"websocket\",\"url\":\"{Url}\""), 400, "'websocket' is not one of" },
        { "numeric transport", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":1,\"url\":\"{Url}\""), 400, "$.transport" },
        { "http without url", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"streamable_http\""), 400, "url is required" },
        { "relative url", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"sse\",\"url\":\"/mcp\""), 400, "absolute http or https" },
        { "ftp url", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"sse\",\"url\":\"ftp://example.org/mcp\""), 400, "absolute http or https" },
        { "not a url", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"sse\",\"url\":\"not a url\""), 400, "absolute http or https" },
        { "3000-char url", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"http://h/{new string('p', 3000)}\""), 400, "at most 2048" },
        { "stdio without command", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\""), 400, "command is required" },
        { "stdio command not allowed", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"bash\""), 400, "allow list" },
        { "stdio with url", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"stdio\",\"command\":\"node\",\"url\":\"{Url}\""), 400, "url is only for" },
        { "http with command", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"command\":\"node\""), 400, "only for stdio" },
        { "args not an array", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"args\":\"x\""), 400, "$.args" },
        { "numeric arg", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"args\":[1]"), 400, "$.args" },
        { "env not an object", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"env\":[]"), 400, "$.env" },
        { "numeric env value", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"env\":{\"A\":1}"), 400, "$.env" },
        { "bad env name", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"env\":{\"1BAD\":\"v\"}"), 400, "not a valid environment variable name" },
        { "stdio inline code", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"args\":[\"--no-warnings\",\"-e\",\"1\"]"), 400, "args[1] '-e' runs inline code (node)" },
        { "npx shell command", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"npx\",\"args\":[\"-c\",\"id\"]"), 400, "args[0] '-c' runs a shell command (npx)" },
        { "stdio preload env", "POST", "/api/v1/mcp/servers", "application/json", Server("\"transport\":\"stdio\",\"command\":\"node\",\"args\":[\"server.js\"],\"env\":{\"NODE_OPTIONS\":\"--require /tmp/x.js\"}"), 400, "env.NODE_OPTIONS 'NODE_OPTIONS' gives" },
        { "bad header name", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"headers\":{{\"Bad Header\":\"v\"}}"), 400, "not a valid HTTP header name" },
        { "enabled as string", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"enabled\":\"yes\""), 400, "$.enabled" },
        { "unknown role", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"allowed_roles\":[\"root\"]"), 400, "'root' is not one of" },
        { "unknown tool role", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"tool_roles\":{{\"echo\":[\"root\",\"admin\"]}}"), 400, "tool_roles 'echo': 'root' is not one of" },
        { "tool roles empty", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"tool_roles\":{{\"echo\":[]}}"), 400, "tool_roles 'echo' must name at least one role" },
        { "tool roles not a map", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"tool_roles\":[\"echo\"]"), 400, "$.tool_roles" },
        { "tool roles empty tool name", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"tool_roles\":{{\"\":[\"admin\"]}}"), 400, "is not a tool name" },
        { "roles as string", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"allowed_roles\":\"viewer\""), 400, "$.allowed_roles" },
        { "zero interval", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"health_check_interval_seconds\":0"), 400, "between 1 and 86400" },
        { "huge interval", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"health_check_interval_seconds\":100000"), 400, "between 1 and 86400" },
        { "negative timeout", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"check_timeout_seconds\":-1"), 400, "between 1 and 600" },
        { "timeout as string", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"call_timeout_seconds\":\"10\""), 400, "$.call_timeout_seconds" },
        { "fractional timeout", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"call_timeout_seconds\":1.5"), 400, "$.call_timeout_seconds" },
        { "overflowing timeout", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"call_timeout_seconds\":99999999999"), 400, "$.call_timeout_seconds" },
        { "unknown field", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"colour\":\"blue\""), 400, "colour" },
        { "oversized body", "POST", "/api/v1/mcp/servers", "application/json", Server($"\"transport\":\"sse\",\"url\":\"{Url}\",\"args\":[\"{new string('x', 70_000)}\"]"), 413, "larger than 64 KiB" },
        { "call without server", "POST", "/api/v1/mcp/tools/call", "application/json", "{\"tool\":\"echo\"}", 400, "server is required" },
        { "call without tool", "POST", "/api/v1/mcp/tools/call", "application/json", "{\"server\":\"x\"}", 400, "tool is required" },
        { "call arguments as string", "POST", "/api/v1/mcp/tools/call", "application/json", "{\"server\":\"x\",\"tool\":\"echo\",\"arguments\":\"m\"}", 400, "must be a JSON object" },
        { "call tool as number", "POST", "/api/v1/mcp/tools/call", "application/json", "{\"server\":\"x\",\"tool\":7}", 400, "$.tool" },
        { "call not json", "POST", "/api/v1/mcp/tools/call", "application/json", "server=x", 400, "not valid" },
        { "call unknown field", "POST", "/api/v1/mcp/tools/call", "application/json", "{\"server\":\"x\",\"tool\":\"t\",\"args\":{}}", 400, "args" },
        { "call as form", "POST", "/api/v1/mcp/tools/call", "application/x-www-form-urlencoded", "server=x&tool=t", 415, "must be JSON" },
        { "put with invalid name", "PUT", "/api/v1/mcp/servers/BAD%20NAME", "application/json", "{}", 400, "not a valid server name" },
        { "get with overlong name", "GET", $"/api/v1/mcp/servers/{new string('n', 200)}", null, "", 400, "not a valid server name" },
        { "log limit zero", "GET", "/api/v1/mcp/servers/some-server/health-log?limit=0", null, "", 400, "limit must be between" },
        { "log limit too big", "GET", "/api/v1/mcp/servers/some-server/health-log?limit=100000", null, "", 400, "limit must be between" },
        { "log before negative", "GET", "/api/v1/mcp/servers/some-server/health-log?before=-5", null, "", 400, "before must be" },
        { "log limit not a number", "GET", "/api/v1/mcp/servers/some-server/health-log?limit=abc", null, "", 400, "limit" },
        { "log since not a time", "GET", "/api/v1/mcp/servers/some-server/health-log?since=yesterday", null, "", 400, "since must be an RFC 3339 time" },
        { "log since without an offset", "GET", "/api/v1/mcp/servers/some-server/health-log?since=2026-05-01T10:00:00", null, "", 400, "since must be an RFC 3339 time" },
        { "log since in the future", "GET", "/api/v1/mcp/servers/some-server/health-log?since=2999-01-01T00:00:00Z", null, "", 400, "since must not be in the future" },
        { "log since past the retention", "GET", "/api/v1/mcp/servers/some-server/health-log?since=2000-01-01T00:00:00Z", null, "", 400, "within the health log's retention (30 days)" },
        { "mcp as text", "POST", "/mcp", "text/plain", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 415, "application/json; this request had 'text/plain'" },
        { "mcp without a content type", "POST", "/mcp", null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 415, "this request had none" },
        { "capabilities of a bad name", "GET", "/api/v1/mcp/tools/capabilities?server=%00%01", null, "", 404, "no MCP server" },
        { "mcp initialize without its params", "POST", "/mcp", "application/json", Initialize("{}"), 400, "missing required properties including: 'protocolVersion', 'capabilities', 'clientInfo'" },
        { "mcp initialize with params not an object", "POST", "/mcp", "application/json", Initialize("7"), 400, "could not be converted to ModelContextProtocol.Protocol.InitializeRequestParams" },
        { "mcp initialize with capabilities an array", "POST", "/mcp", "application/json", Initialize("""{"protocolVersion":"2025-06-18","capabilities":[],"clientInfo":{"name":"c","version":"1"}}"""), 400, "(at $.capabilities)" },
        { "mcp initialize with a lone surrogate", "POST", "/mcp", "application/json", Initialize("""{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"\ud800","version":"1"}}"""), 400, "UTF-16 JSON text" },
    };

    private static string Initialize(string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{parameters}}}""";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_precise_4xx_problem_and_changes_nothing(string label, string method, string path, string? contentType, string body, int status, string detail)
    {
        var role = path.Contains("/tools/call") ? "operator" : "admin";
        using var client = fixture.A.ClientAs(role);
        var rowsBefore = await ServerRowsAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (path == "/mcp")
        {
            request.Headers.Add("Accept", "application/json, text/event-stream");
        }
        if (method is "POST" or "PUT")
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        var response = await client.SendAsync(request);

        var problemDetail = await AssertProblemAsync(response, (HttpStatusCode)status);
        Assert.True(problemDetail.Contains(detail, StringComparison.Ordinal), $"{label}: detail '{problemDetail}' should mention '{detail}'");
        Assert.Equal(rowsBefore, await ServerRowsAsync());
    }

    [Theory]
    [InlineData("""{"message":"a","message":"b"}""", "arguments are not valid JSON: Duplicate")]
    [InlineData("""{"message":"\ud800x"}""", "arguments are not valid JSON: Cannot read")]
    public async Task Tool_call_arguments_that_no_call_can_send_get_a_400_problem(string arguments, string detail)
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "bad-args");
        using var client = fixture.A.ClientAs("operator");

        var response = await client.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", arguments));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Equal(0, server.ToolCallCount);
    }

    private async Task<string> ServerRowsAsync() =>
        string.Join(",", await fixture.Database.QueryAsync("SELECT name || ':' || updated_at FROM omni2.mcp_servers ORDER BY name", r => r.GetString(0)));
}
