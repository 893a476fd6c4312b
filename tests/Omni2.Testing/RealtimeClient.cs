using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Omni2.Testing;

/// <summary>
/// A real SignalR client of <c>/ws</c> (WebSockets, token in the query string as browsers send it)
/// that records every <c>mcp_event</c> with the time it arrived.
/// </summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    private readonly HubConnection _connection;

    private RealtimeClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<JsonElement>("mcp_event", message => Messages.Enqueue((DateTimeOffset.UtcNow, message)));
        _connection.Closed += error =>
        {
            ClosedAt = DateTimeOffset.UtcNow;
            return Task.CompletedTask;
        };
    }

    public ConcurrentQueue<(DateTimeOffset At, JsonElement Message)> Messages { get; } = new();

    public DateTimeOffset? ClosedAt { get; private set; }

    public HubConnectionState State => _connection.State;

    public static Task<RealtimeClient> ConnectAsync(ApiHost host, string? token) =>
        ConnectAsync(host.CreateClient().BaseAddress!, token);

    public static async Task<RealtimeClient> ConnectAsync(Uri baseAddress, string? token)
    {
        var url = new Uri(baseAddress, "/ws");
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult(token);
            })
            .Build();
        var client = new RealtimeClient(connection);
        await connection.StartAsync();
        return client;
    }

    /// <summary>Every event received, batches unpacked, in order.</summary>
    public List<JsonElement> Events() => [.. TimedEvents().Select(e => e.Event)];

    /// <summary>Every event received with the time its message arrived, batches unpacked, in order.</summary>
    public List<(DateTimeOffset At, JsonElement Event)> TimedEvents() =>
        [.. Messages.SelectMany(m => (m.Message.GetProperty("type").GetString() == "batch"
            ? m.Message.GetProperty("events").EnumerateArray().ToArray()
            : new[] { m.Message }).Select(e => (m.At, e)))];

    /// <summary>The newest status the client holds for each server (snapshots and events, by version).</summary>
    public Dictionary<string, JsonElement> LatestStatuses()
    {
        var latest = new Dictionary<string, JsonElement>();
        void Take(JsonElement status)
        {
            var name = status.GetProperty("name").GetString()!;
            if (!latest.TryGetValue(name, out var known) || known.GetProperty("version").GetInt64() <= status.GetProperty("version").GetInt64())
            {
                latest[name] = status;
            }
        }
        foreach (var message in Events())
        {
            if (message.TryGetProperty("snapshot", out var snapshot))
            {
                foreach (var status in snapshot.EnumerateArray())
                {
                    Take(status);
                }
            }
            if (message.TryGetProperty("status", out var single))
            {
                Take(single);
            }
        }
        return latest;
    }

    public bool Mentions(string server) => Messages.Any(m => m.Message.GetRawText().Contains(server, StringComparison.Ordinal));

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
