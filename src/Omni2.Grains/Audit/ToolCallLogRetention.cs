using Microsoft.Extensions.Options;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Audit;

/// <summary>Audited tool calls older than <see cref="AuditOptions.Retention"/>.</summary>
public sealed class ToolCallLogRetention(IToolCallLog log, IOptions<AuditOptions> options) : IRetention
{
    public string Name => "audited tool calls";

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        log.DeleteOlderThanAsync(now - options.Value.Retention, cancellationToken);
}
