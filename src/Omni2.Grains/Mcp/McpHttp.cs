using Microsoft.Extensions.Options;

namespace Omni2.Grains.Mcp;

/// <summary>
/// The one connection pool through which a silo reaches every MCP server over HTTP, and the caps
/// on what any server may send (<see cref="UpstreamOptions"/>). A pool per server would hold idle
/// sockets per server: with thousands of servers that exhausts file descriptors before anything
/// else. Each connection gets its own light client on this pool, which bounds that connection's
/// answers and watches its event stream; a server without sessions has no event stream, and once
/// discovered goes through one client shared by all of them (<see cref="Sessionless"/>).
/// </summary>
public sealed class McpHttp : IDisposable
{
    private readonly IOptions<UpstreamOptions> _limits;
    private readonly SocketsHttpHandler _pool = new()
    {
        // Connections are re-made now and then, so a server that moved (DNS, a new pod) is found.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // A redirect is an error that names its status ("HTTP 307 Temporary Redirect (redirects are
        // not followed)"), never a hop that would carry a server's credential headers to another address.
        AllowAutoRedirect = false,
    };

    public McpHttp(IOptions<UpstreamOptions> limits)
    {
        _limits = limits;
        Sessionless = Client(new ResponseLimits(_pool, Limits, eventStreamCarriesAnswers: false));
    }

    public UpstreamOptions Limits => _limits.Value;

    /// <summary>
    /// The client of every sessionless server once discovered (2026-07-28 on streamable HTTP): its answers
    /// are bounded like any connection's, and it has no event stream of its own to watch.
    /// </summary>
    public HttpClient Sessionless { get; }

    /// <summary>
    /// A client on the shared pool for one MCP connection, and when its event stream broke.
    /// <paramref name="eventStreamCarriesAnswers"/>: the legacy SSE transport, whose event stream carries every answer.
    /// </summary>
    public (HttpClient Client, Task<string> StreamBroken) ClientForConnection(bool eventStreamCarriesAnswers)
    {
        var watch = new EventStreamWatch(new ResponseLimits(_pool, Limits, eventStreamCarriesAnswers));
        return (Client(watch), watch.Broken);
    }

    // Not disposing the handlers: the pool outlives every connection, and the others hold nothing.
    private static HttpClient Client(HttpMessageHandler handler) => new(handler, disposeHandler: false)
    {
        // Every operation is bounded by the server's own timeouts (see McpConnection), and the
        // streams of stateful sessions stay open for as long as the session lives.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public void Dispose()
    {
        Sessionless.Dispose();
        _pool.Dispose();
    }
}
