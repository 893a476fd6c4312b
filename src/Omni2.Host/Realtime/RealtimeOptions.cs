namespace Omni2.Host.Realtime;

/// <summary>Section <c>Omni2:Realtime</c>: the hub's limits.</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Omni2:Realtime";

    /// <summary>Messages per second per user; faster events are coalesced (default 10).</summary>
    public int MaxMessagesPerSecond { get; set; } = 10;

    /// <summary>Connections are closed after this long; the client reconnects with a fresh token (default 30 minutes).</summary>
    public TimeSpan SessionLimit { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Servers per <c>snapshot</c> message (default 5,000): a larger fleet's snapshot goes out in pages, each
    /// counted against <see cref="MaxMessagesPerSecond"/>, so that no message holds the whole fleet.
    /// </summary>
    public int SnapshotPageSize { get; set; } = 5_000;

    /// <summary>
    /// Work waiting for the dispatcher (feed events, checks, connects) beyond this many is dropped and
    /// counted: a dropped event or check makes every client get a fresh snapshot, a dropped connect closes
    /// its connection (the client reconnects).
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;
}
