using Omni2.Contracts;
using Orleans.Placement;

namespace Omni2.Grains.RateLimits;

/// <summary>
/// A token bucket that holds up to the limit and refills continuously at limit per window. It lives
/// in memory only: a bucket lost with its silo starts full again, as an idle user's would be.
/// </summary>
// Its bucket is in memory: the activation rebalancer must not move it (a move refills it).
[Immovable(ImmovableKind.Rebalancer)]
public sealed class RateLimitGrain(TimeProvider clock) : Grain, IRateLimitGrain
{
    private double _tokens = double.NaN;
    private DateTimeOffset _refilledAt;

    public Task<RateLimitGrant> TakeAsync(int wanted, int limit, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        var perSecond = limit / window.TotalSeconds;
        _tokens = double.IsNaN(_tokens) ? limit : Math.Min(limit, _tokens + (now - _refilledAt).TotalSeconds * perSecond);
        _refilledAt = now;
        var granted = (int)Math.Min(wanted, Math.Floor(_tokens));
        _tokens -= granted;
        var retryAfter = granted > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / perSecond);
        return Task.FromResult(new RateLimitGrant(granted, retryAfter));
    }
}
