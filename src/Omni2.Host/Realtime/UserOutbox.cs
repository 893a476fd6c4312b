using Omni2.Contracts;

namespace Omni2.Host.Realtime;

/// <summary>
/// One user's pending messages on this silo, sent at most <c>maxPerSecond</c> in any second.
/// While the budget is spent, messages are coalesced (the latest per server wins) and go out
/// together as one <c>batch</c> as soon as the budget allows, so nothing that matters is lost.
/// </summary>
public sealed class UserOutbox(int maxPerSecond, TimeProvider time)
{
    // A little over a second, so that clients count at most the limit in any second of their own
    // clock even when delivery delays the first message of a window more than the last.
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1.1);
    private readonly Dictionary<string, RealtimeMessage> _pending = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Queue<DateTimeOffset> _sent = new();

    public bool HasPending => _order.Count > 0;

    public void Add(RealtimeMessage message)
    {
        // Fleet-wide messages (alerts, checks) are keyed by type: one of each kind pending at most.
        // A server's tool changes coalesce apart from its transitions, which they must never replace,
        // and each tool's changed definition apart from everything else.
        var key = message.McpName is null ? "*" + message.Type
            : message.Type == StatusMessageTypes.ToolsChanged ? message.McpName + "|tools"
            : message.Type == StatusMessageTypes.ToolDefinitionChanged ? message.McpName + "|definition|" + message.Tool
            : message.McpName;
        if (_pending.TryAdd(key, message))
        {
            _order.Add(key);
        }
        else
        {
            _pending[key] = message.Type == RealtimeMessage.HealthChecksType ? MergeChecks(_pending[key], message) : message;
        }
    }

    /// <summary>Drops everything pending about <paramref name="server"/>: its recipient may no longer see it.</summary>
    public void Forget(string server)
    {
        foreach (var key in _order.ToList())
        {
            if (_pending[key].Without(server) is { } kept)
            {
                _pending[key] = kept;
            }
            else
            {
                _pending.Remove(key);
                _order.Remove(key);
            }
        }
    }

    /// <summary>Two pending <c>health_checks</c> become one: every server named in either, at its latest check.</summary>
    private static RealtimeMessage MergeChecks(RealtimeMessage older, RealtimeMessage newer)
    {
        var latest = new Dictionary<string, CheckView>(StringComparer.Ordinal);
        foreach (var check in (older.Checks ?? []).Concat(newer.Checks ?? []))
        {
            if (!latest.TryGetValue(check.McpName, out var known) || check.LastCheckAt > known.LastCheckAt)
            {
                latest[check.McpName] = check;
            }
        }
        return newer with { Checks = [.. latest.Values] };
    }

    /// <summary>
    /// Spends one message of the budget on a message sent outside the outbox (a snapshot's page), if the
    /// budget allows one now.
    /// </summary>
    public bool TrySpend()
    {
        var now = time.GetUtcNow();
        while (_sent.TryPeek(out var oldest) && now - oldest >= Second)
        {
            _sent.Dequeue();
        }
        if (_sent.Count >= maxPerSecond)
        {
            return false;
        }
        _sent.Enqueue(now);
        return true;
    }

    /// <summary>The next message to send now, if any is pending and the budget allows.</summary>
    public RealtimeMessage? TryTake()
    {
        if (_order.Count == 0 || !TrySpend())
        {
            return null;
        }
        var messages = _order.Select(key => _pending[key]).ToList();
        _pending.Clear();
        _order.Clear();
        return messages.Count == 1 ? messages[0] : new RealtimeMessage(RealtimeMessage.BatchType, time.GetUtcNow(), Events: messages);
    }

    /// <summary>When the budget allows the next send, while messages wait.</summary>
    public DateTimeOffset? NextSendAt => _order.Count == 0 ? null : NextBudgetAt;

    /// <summary>When the budget allows the next send, whatever waits.</summary>
    public DateTimeOffset NextBudgetAt => _sent.Count < maxPerSecond ? time.GetUtcNow() : _sent.Peek() + Second;
}
