using System.Collections.Concurrent;

namespace Omni2.Testing.Fleet;

/// <summary>How one server of the fleet answers.</summary>
public enum FleetMode
{
    /// <summary>Requests reach the MCP SDK as usual.</summary>
    Normal,

    /// <summary>A crashed server: open requests and streams are reset, new ones too.</summary>
    Dead,

    /// <summary>A broken server that is still up: new requests get HTTP 500, open streams stay open.</summary>
    Broken,

    /// <summary>Every request waits <see cref="Fleet.DelayOf"/> before it is served.</summary>
    Slow,
}

/// <summary>
/// The state of every server of the fleet: its mode, its delay and its open requests (so that
/// killing a server resets the streams its clients hold, as a crashed process would).
/// </summary>
public sealed class Fleet(int size)
{
    private readonly int[] _modes = new int[size];
    private readonly int[] _delays = new int[size];
    private readonly ConcurrentDictionary<HttpContext, byte>[] _open =
        Enumerable.Range(0, size).Select(_ => new ConcurrentDictionary<HttpContext, byte>()).ToArray();
    private long _requests;
    private long _toolCalls;

    public int Size => size;

    public long Requests => Interlocked.Read(ref _requests);

    public long ToolCalls => Interlocked.Read(ref _toolCalls);

    public int OpenRequests => _open.Sum(o => o.Count);

    public FleetMode ModeOf(int server) => (FleetMode)Volatile.Read(ref _modes[server]);

    public TimeSpan DelayOf(int server) => TimeSpan.FromMilliseconds(Volatile.Read(ref _delays[server]));

    public int CountIn(FleetMode mode) => _modes.Count(m => m == (int)mode);

    public void CountToolCall() => Interlocked.Increment(ref _toolCalls);

    /// <summary>Sets the mode of <paramref name="servers"/>; a kill resets their open requests.</summary>
    public int Set(Range servers, FleetMode mode, TimeSpan delay = default)
    {
        var (first, count) = servers.GetOffsetAndLength(size);
        for (var server = first; server < first + count; server++)
        {
            Volatile.Write(ref _delays[server], (int)delay.TotalMilliseconds);
            Volatile.Write(ref _modes[server], (int)mode);
            if (mode is FleetMode.Dead)
            {
                foreach (var request in _open[server].Keys)
                {
                    request.Abort();
                }
            }
        }
        return count;
    }

    /// <summary>Applies the server's mode to one request, then serves it (or not).</summary>
    public async Task ServeAsync(int server, HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref _requests);
        switch (ModeOf(server))
        {
            case FleetMode.Dead:
                context.Abort();
                return;
            case FleetMode.Broken:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            case FleetMode.Slow:
                await Task.Delay(DelayOf(server), context.RequestAborted);
                break;
        }
        _open[server].TryAdd(context, 0);
        try
        {
            // Killed while it waited: as dead as any other request of this server.
            if (ModeOf(server) is FleetMode.Dead)
            {
                context.Abort();
                return;
            }
            await next(context);
        }
        finally
        {
            _open[server].TryRemove(context, out _);
        }
    }
}
