namespace Omni2.Host.Realtime;

/// <summary>One user with one role set on this silo: the unit of the hub's rate limit.</summary>
internal sealed class Audience(IReadOnlyCollection<string> roles, UserOutbox outbox)
{
    public IReadOnlyCollection<string> Roles { get; } = roles;

    public UserOutbox Outbox { get; } = outbox;

    public HashSet<string> Connections { get; } = new(StringComparer.Ordinal);

    /// <summary>Snapshots still being sent, by connection: the audience's events wait for them.</summary>
    public Dictionary<string, SnapshotPages> Snapshots { get; } = new(StringComparer.Ordinal);

    /// <summary>The servers its clients were told of (snapshots and events): who must hear when one goes.</summary>
    public HashSet<string> Known { get; } = new(StringComparer.Ordinal);
}
