using Microsoft.Extensions.Options;

namespace Omni2.Grains.Audit;

/// <summary>The embedded default's audit: the newest <see cref="AuditOptions.MemoryCapacity"/> calls, in memory.</summary>
public sealed class InMemoryToolCallLog(IOptions<AuditOptions> options) : IToolCallLog
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ToolCallRecord> _calls = new(); // oldest first

    public Task WriteAsync(IReadOnlyList<ToolCallRecord> calls, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var call in calls)
            {
                _calls.AddLast(call);
            }
            while (_calls.Count > options.Value.MemoryCapacity)
            {
                _calls.RemoveFirst();
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ToolCallRecord>> ReadAsync(ToolCallQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // Newest first by time, then by arrival, as PostgreSQL orders them.
            return Task.FromResult<IReadOnlyList<ToolCallRecord>>([.. _calls.Reverse().Where(query.Matches).OrderByDescending(c => c.Time).Take(query.Limit)]);
        }
    }

    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        lock (_lock)
        {
            for (var node = _calls.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Time < cutoff)
                {
                    _calls.Remove(node);
                    deleted++;
                }
                node = next;
            }
        }
        return Task.FromResult(deleted);
    }
}
