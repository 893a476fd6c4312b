namespace Omni2.Grains.Mcp;

/// <summary>
/// The one HTTP client, and so the one connection pool, through which a silo reaches every MCP
/// server over HTTP. A client per server would hold a pool, and idle sockets, per server: with
/// thousands of servers that exhausts file descriptors before anything else.
/// </summary>
public sealed class McpHttp : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        // Connections are re-made now and then, so a server that moved (DNS, a new pod) is found.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        // Every operation is bounded by the server's own timeouts (see McpConnection), and the
        // streams of stateful sessions stay open for as long as the session lives.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public void Dispose() => Client.Dispose();
}
