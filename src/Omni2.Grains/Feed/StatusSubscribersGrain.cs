using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Orleans.Placement;

namespace Omni2.Grains.Feed;

/// <summary>
/// The cluster's receivers of the status feed, in memory only: after a restart of this grain every
/// receiver is back within one renewal, and publishers keep their copy meanwhile.
/// </summary>
// Its receivers are in memory: the activation rebalancer must not move it (a move loses them until the next renewal).
[Immovable(ImmovableKind.Rebalancer)]
public sealed class StatusSubscribersGrain(IOptions<StatusFeedOptions> options, TimeProvider time) : Grain, IStatusSubscribersGrain
{
    private readonly Dictionary<GrainId, (StatusSubscriber Subscriber, DateTimeOffset RenewedAt)> _subscribers = [];

    public Task SubscribeAsync(StatusSubscriber subscriber)
    {
        _subscribers[subscriber.Observer.GetGrainId()] = (subscriber, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IStatusObserver observer)
    {
        _subscribers.Remove(observer.GetGrainId());
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<StatusSubscriber>> ListAsync()
    {
        var expired = time.GetUtcNow() - options.Value.SubscriberExpiry;
        foreach (var (id, _) in _subscribers.Where(p => p.Value.RenewedAt < expired).ToList())
        {
            _subscribers.Remove(id);
        }
        return Task.FromResult(_subscribers.Values.Select(s => s.Subscriber).ToImmutableArray());
    }
}
