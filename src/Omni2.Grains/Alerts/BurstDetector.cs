namespace Omni2.Grains.Alerts;

/// <summary>
/// Decides when failures make a burst: <c>threshold</c> distinct servers failing within <c>window</c>.
/// One alert per burst; the burst ends after a whole window without a new failure. No I/O.
/// </summary>
public sealed class BurstDetector(int threshold, TimeSpan window, TimeProvider time)
{
    // Each server's latest failure, oldest first.
    private readonly List<(string Server, DateTimeOffset At)> _recent = [];
    private DateTimeOffset? _lastFailure;
    private bool _inBurst;

    /// <summary>Records a failure; returns the servers of a new burst when this failure starts one.</summary>
    public IReadOnlyList<string>? Record(string server)
    {
        var now = time.GetUtcNow();
        if (_inBurst && _lastFailure is { } last && now - last >= window)
        {
            _inBurst = false;
        }
        _lastFailure = now;
        _recent.RemoveAll(r => r.Server == server || now - r.At >= window);
        _recent.Add((server, now));
        if (_inBurst || _recent.Count < threshold)
        {
            return null;
        }
        _inBurst = true;
        return [.. _recent.Select(r => r.Server)];
    }
}
