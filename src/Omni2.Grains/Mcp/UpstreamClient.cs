using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Omni2.Grains.Mcp;

/// <summary>
/// The SDK client one connection works through. A connection with a session (stdio, SSE, streamable HTTP
/// before 2026-07-28) is its client, held for as long as the connection lives. A streamable-HTTP server on
/// 2026-07-28 or later has no session: all a client needs is what discovery answered, so after the first
/// one this connection resumes a client from that (no round trip) when an operation needs one, keeps it
/// while operations come, and lets it go once a health check finds it unused since the previous check.
/// Those checks are posted without the SDK (<see cref="StatelessToolsCheck"/>), so a healthy stateless
/// server that nobody calls holds no SDK client, whose session, channels, handler tables and loops were
/// about 5 KiB of each server's memory (BENCHMARKS.md, fleet scale).
/// </summary>
internal sealed class UpstreamClient : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<Task<McpClient>>? _resume;
    private Task<McpClient>? _client;
    private int _inUse;
    private bool _usedSinceCheck;
    private bool _disposed;

    private UpstreamClient(McpClient first, Func<Task<McpClient>>? resume)
    {
        _client = Task.FromResult(first);
        _resume = resume;
        NegotiatedProtocolVersion = first.NegotiatedProtocolVersion;
        ServerCapabilities = first.ServerCapabilities;
        SessionCompletion = resume is null ? first.Completion : null;
    }

    /// <summary>What the server said it offers, when it was connected.</summary>
    public ServerCapabilities ServerCapabilities { get; }

    /// <summary>When the session ends on its own (null for a sessionless connection, which has none to end).</summary>
    public Task<ClientCompletionDetails>? SessionCompletion { get; }

    /// <summary>The revision the first client agreed with the server; every resumed one speaks it too.</summary>
    public string? NegotiatedProtocolVersion { get; }

    /// <summary>A session's client, held until the connection closes.</summary>
    public static UpstreamClient Held(McpClient client) => new(client, resume: null);

    /// <summary>
    /// A sessionless connection's clients: <paramref name="connected"/> first, then clients resumed over
    /// <paramref name="transport"/> with what <paramref name="connected"/> learnt from discovery.
    /// </summary>
    public static UpstreamClient Resumable(McpClient connected, IClientTransport transport, McpClientOptions options, ILoggerFactory loggerFactory)
    {
        var discovered = new ResumeClientSessionOptions
        {
            ServerCapabilities = connected.ServerCapabilities,
            // The SDK wants an identity to resume; identity is optional on 2026-07-28, and nothing here reads it.
            ServerInfo = connected.ServerInfo ?? new() { Name = transport.Name, Version = "" },
            ServerInstructions = connected.ServerInstructions,
            NegotiatedProtocolVersion = connected.NegotiatedProtocolVersion,
        };
        return new(connected, () => McpClient.ResumeSessionAsync(transport, discovered, options, loggerFactory));
    }

    /// <summary>Runs <paramref name="operation"/> on a client: the held one, or a live or newly resumed one that stays while it is used.</summary>
    public async Task<T> UseAsync<T>(Func<McpClient, Task<T>> operation)
    {
        Task<McpClient> client;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_resume is not null && (_client is null || _client is { IsCompletedSuccessfully: true, Result.Completion.IsCompleted: true }))
            {
                _client = _resume();
            }
            client = _client!;
            _inUse++;
            _usedSinceCheck = true;
        }
        try
        {
            return await operation(await client);
        }
        finally
        {
            lock (_gate)
            {
                _inUse--;
                if (client.IsFaulted && ReferenceEquals(client, _client))
                {
                    _client = null; // a resume that failed is tried again by the next operation
                }
            }
        }
    }

    /// <summary>
    /// Called on every health check of a sessionless connection: lets the client go when nothing used it
    /// since the last check and nothing uses it now (the next operation resumes another). Closing a client
    /// without a session sends nothing; it is not waited for, so no check ever waits on it.
    /// </summary>
    public void LetGoIfUnused()
    {
        Task<McpClient>? idle = null;
        lock (_gate)
        {
            if (_resume is not null && _inUse == 0 && !_usedSinceCheck)
            {
                (idle, _client) = (_client, null);
            }
            _usedSinceCheck = false;
        }
        if (idle is { IsCompletedSuccessfully: true })
        {
            idle.Result.DisposeAsync().AsTask().Ignore();
        }
    }

    /// <summary>Closes the client there is, if any; one still in use by an operation is closed under it, which ends that operation.</summary>
    public ValueTask DisposeAsync()
    {
        Task<McpClient>? client;
        lock (_gate)
        {
            _disposed = true;
            (client, _client) = (_client, null);
        }
        return client is { IsCompletedSuccessfully: true } ? client.Result.DisposeAsync() : ValueTask.CompletedTask;
    }
}
