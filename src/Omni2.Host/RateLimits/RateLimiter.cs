using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Omni2.Contracts;

namespace Omni2.Host.RateLimits;

/// <summary>
/// This silo's side of the cluster-wide limits: per user and kind, a few permits taken ahead from
/// the user's <see cref="IRateLimitGrain"/> and spent here without a grain call. A batch is a
/// twentieth of the limit, so however many silos serve a user, the permits lying unspent on them
/// are a few percent of the limit, and no silo can spend more than the bucket handed out. The next
/// batch is fetched when half of this one is spent. When the grain cannot be reached within
/// <see cref="FetchTimeout"/> (its silo died and is not yet declared dead, the cluster is busy),
/// requests pass: a limit is not worth an outage, nor a request's wait for a dead silo.
/// </summary>
public sealed partial class RateLimiter(IGrainFactory grains, IOptions<RateLimitOptions> options, TimeProvider clock, ILogger<RateLimiter> logger)
{
    /// <summary>The longest a request waits for its user's bucket before it is let through.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<(RateLimitKind Kind, string User), Permits> _permits = new();

    /// <summary>Null when the request may go ahead; otherwise how long until the user may try again.</summary>
    public ValueTask<TimeSpan?> TryAcquireAsync(RateLimitKind kind, string user, IReadOnlyCollection<string> roles)
    {
        var limit = options.Value.LimitFor(kind, roles);
        var permits = _permits.GetOrAdd((kind, user), static (_, clock) => new Permits(clock), clock);
        return permits.TryTake(clock.GetUtcNow(), out var retryAfter)
            ? ValueTask.FromResult<TimeSpan?>(null)
            : retryAfter is { } wait ? ValueTask.FromResult<TimeSpan?>(wait) : WaitForBatchAsync(permits, kind, user, limit);
    }

    private async ValueTask<TimeSpan?> WaitForBatchAsync(Permits permits, RateLimitKind kind, string user, int limit)
    {
        await permits.FetchAsync(() => FetchAsync(kind, user, limit));
        return permits.TryTake(clock.GetUtcNow(), out var retryAfter) ? null : retryAfter ?? TimeSpan.FromSeconds(1);
    }

    private async Task<RateLimitGrant> FetchAsync(RateLimitKind kind, string user, int limit)
    {
        var batch = Math.Max(1, limit / 20);
        try
        {
            return await grains.GetGrain<IRateLimitGrain>($"{kind}/{user}").TakeAsync(batch, limit, options.Value.Window).WaitAsync(FetchTimeout, clock);
        }
        catch (Exception ex)
        {
            LogGrainUnreachable(kind, ex.Message);
            return new RateLimitGrant(batch, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// The permits one user has on this silo for one kind, fetched a batch at a time; after an
    /// empty batch, refusals until the bucket has refilled.
    /// </summary>
    private sealed class Permits(TimeProvider clock)
    {
        private readonly Lock _lock = new();
        private int _left;
        private int _batch = 1;
        private Task? _fetching;
        private Func<Task<RateLimitGrant>>? _fetchAhead;
        private DateTimeOffset _refusedUntil;

        /// <summary>Takes a permit if one is here. If not, <paramref name="retryAfter"/> is set when the bucket is known to be empty.</summary>
        public bool TryTake(DateTimeOffset now, out TimeSpan? retryAfter)
        {
            retryAfter = null;
            lock (_lock)
            {
                if (_left > 0)
                {
                    _left--;
                    if (_left < (_batch + 1) / 2 && _fetching is null && _fetchAhead is { } fetch)
                    {
                        _fetching = Run(fetch);
                    }
                    return true;
                }
                if (now < _refusedUntil)
                {
                    retryAfter = _refusedUntil - now;
                }
                return false;
            }
        }

        /// <summary>Fetches a batch, or joins the fetch under way.</summary>
        public Task FetchAsync(Func<Task<RateLimitGrant>> fetch)
        {
            lock (_lock)
            {
                _fetchAhead = fetch;
                return _fetching ??= Run(fetch);
            }
        }

        private async Task Run(Func<Task<RateLimitGrant>> fetch)
        {
            await Task.Yield(); // never under the caller's lock
            var grant = await fetch();
            lock (_lock)
            {
                _left += grant.Granted;
                _batch = Math.Max(_batch, grant.Granted);
                _refusedUntil = grant.Granted > 0 ? default : clock.GetUtcNow() + grant.RetryAfter;
                _fetching = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limits: the {Kind} bucket could not be reached, letting requests pass: {Error}")]
    private partial void LogGrainUnreachable(RateLimitKind kind, string error);
}
