using Microsoft.Extensions.Options;

namespace Omni2.Grains.Mcp;

/// <summary>
/// How many connects (open a session, list its tools) one silo runs at once:
/// <see cref="UpstreamOptions.MaxConcurrentConnects"/>; the others wait their turn. Unbounded, 10,000
/// servers failing at once had every grain reconnect at once, a socket each on top of the closes of the
/// sessions they replaced, and the silo reached its file-descriptor limit (20,000 on the benchmark
/// machine): then it accepted no request and opened no connection, and connects timed out one another.
/// Waiting is not the server's failure: a connect's own timeout starts when its turn comes.
/// </summary>
public sealed class ConnectGate(IOptions<UpstreamOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(options.Value.MaxConcurrentConnects);

    /// <summary>Runs <paramref name="connect"/> when a turn is free (or throws when the caller cancels first), then frees the turn.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> connect, CancellationToken cancellationToken)
    {
        await _turns.WaitAsync(cancellationToken);
        try
        {
            return await connect();
        }
        finally
        {
            _turns.Release();
        }
    }

    public void Dispose() => _turns.Dispose();
}
