namespace Omni2.Grains.Feed;

/// <summary>Section <c>Omni2:StatusFeed</c>: how the status feed finds its receivers and batches last checks.</summary>
public sealed class StatusFeedOptions
{
    public const string Section = "Omni2:StatusFeed";

    /// <summary>How often a publisher rereads the list of receivers (and whenever a silo joins or leaves).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a receiver renews its subscription. Often, because it is cheap and because while
    /// membership changes the list may briefly have two activations, or restart empty: a receiver
    /// is back in the one that stays within this interval.
    /// </summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A receiver not renewed for this long is forgotten.</summary>
    public TimeSpan SubscriberExpiry { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the successful checks of this silo's servers are sent out and written, as one batch.</summary>
    public TimeSpan CheckFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many events travel in one message.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Events waiting to be sent beyond this many are dropped (and counted); a catalog resync heals them.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    public bool IsValid() =>
        RefreshInterval > TimeSpan.Zero && RenewInterval > TimeSpan.Zero && SubscriberExpiry > RenewInterval
        && CheckFlushInterval > TimeSpan.Zero && MaxBatch > 0 && QueueCapacity > 0;
}
