using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Omni2.Benchmarks;

/// <summary>
/// Raw HTTP to <c>/mcp</c>, byte for byte what the official C# SDK client (ModelContextProtocol 2.3.1)
/// sends, without its per-call costs. A stateless 2026-07-28 request names its method in
/// <c>Mcp-Method</c>, its version in <c>MCP-Protocol-Version</c>, and carries the protocol version, client
/// info and capabilities in <c>params._meta</c>; it gets no <c>Mcp-Session-Id</c>. A session (an earlier
/// revision) is an <c>initialize</c>, <c>notifications/initialized</c>, requests with its
/// <c>Mcp-Session-Id</c>, and a <c>DELETE</c>. Every answer is read whole into the caller's buffer.
/// </summary>
public sealed class McpTraffic(HttpClient http)
{
    public const string StatelessProtocol = "2026-07-28";
    public const string SessionsProtocol = "2025-11-25";
    private const string Path = "/mcp";
    public const string Meta =
        $$$"""{"io.modelcontextprotocol/protocolVersion":"{{{StatelessProtocol}}}","io.modelcontextprotocol/clientInfo":{"name":"omni2-bench","version":"1.0"},"io.modelcontextprotocol/clientCapabilities":{}}""";

    /// <summary>One stateless <c>tools/list</c>: null when it answered a list of tools, else what went wrong.</summary>
    public async Task<string?> ListToolsStatelessAsync(long id, byte[] buffer, CancellationToken cancellationToken = default)
    {
        using var request = Post($$"""{"method":"tools/list","params":{"_meta":{{Meta}}},"id":{{id}},"jsonrpc":"2.0"}""", StatelessProtocol);
        request.Headers.Add("Mcp-Method", "tools/list");
        var (status, length, _) = await SendAsync(request, buffer, cancellationToken);
        return status != HttpStatusCode.OK ? $"tools/list answered {(int)status}: {Text(buffer, length)}"
            : ToolsStart(buffer, length) < 0 ? $"tools/list answered no tools: {Text(buffer, length)}"
            : null;
    }

    /// <summary>How many tools one stateless <c>tools/list</c> lists (a check that the fleet is loaded).</summary>
    public async Task<int> CountToolsAsync(byte[] buffer)
    {
        using var request = Post($$"""{"method":"tools/list","params":{"_meta":{{Meta}}},"id":0,"jsonrpc":"2.0"}""", StatelessProtocol);
        request.Headers.Add("Mcp-Method", "tools/list");
        var (_, length, _) = await SendAsync(request, buffer, default);
        return Encoding.UTF8.GetString(buffer, 0, length).Split("\"inputSchema\"").Length - 1;
    }

    /// <summary>One whole session: initialize, initialized, <c>tools/list</c>, DELETE. Null when every step answered as it should.</summary>
    public async Task<string?> SessionAsync(long id, byte[] buffer, CancellationToken cancellationToken = default)
    {
        using var initialize = Post(
            $$$$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"{{{{SessionsProtocol}}}}","capabilities":{},"clientInfo":{"name":"omni2-bench-{{{{id}}}}","version":"1.0"}}}""",
            SessionsProtocol);
        var (status, length, sessionId) = await SendAsync(initialize, buffer, cancellationToken);
        if (status != HttpStatusCode.OK || sessionId is null)
        {
            return $"initialize answered {(int)status} {(sessionId is null ? "without" : "with")} a session id: {Text(buffer, length)}";
        }
        using var initialized = Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", SessionsProtocol, sessionId);
        if ((await SendAsync(initialized, buffer, cancellationToken)).Status != HttpStatusCode.Accepted)
        {
            return "notifications/initialized was not accepted";
        }
        using var list = Post("""{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""", SessionsProtocol, sessionId);
        (status, length, _) = await SendAsync(list, buffer, cancellationToken);
        if (status != HttpStatusCode.OK || ToolsStart(buffer, length) < 0)
        {
            return $"tools/list in a session answered {(int)status}: {Text(buffer, length)}";
        }
        using var end = new HttpRequestMessage(HttpMethod.Delete, Path);
        end.Headers.Add("Mcp-Session-Id", sessionId);
        end.Headers.Add("MCP-Protocol-Version", SessionsProtocol);
        (status, length, _) = await SendAsync(end, buffer, cancellationToken);
        return status == HttpStatusCode.OK ? null : $"DELETE answered {(int)status}: {Text(buffer, length)}";
    }

    private static HttpRequestMessage Post(string json, string protocol, string? sessionId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", protocol);
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }
        return request;
    }

    private async Task<(HttpStatusCode Status, int Length, string? SessionId)> SendAsync(HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                throw new InvalidOperationException($"An answer of {request.Method} {Path} was larger than {buffer.Length} bytes.");
            }
        }
        var sessionId = response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.FirstOrDefault() : null;
        return (response.StatusCode, length, sessionId);
    }

    // A JSON-RPC result listing tools (a JSON-RPC error has no "tools").
    private static int ToolsStart(byte[] buffer, int length) => buffer.AsSpan(0, length).IndexOf("\"tools\":["u8);

    private static string Text(byte[] buffer, int length) => Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 300));
}
