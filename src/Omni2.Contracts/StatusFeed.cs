using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Omni2.Contracts;

/// <summary>
/// A receiver of the status feed: every silo has one (its catalog), and so may a client. The silo
/// that owns a server pushes each event to every receiver one way, so a dead or hung silo never
/// holds up anyone else's delivery.
/// </summary>
[Alias("omni2.IStatusObserver")]
public interface IStatusObserver : IGrainObserver
{
    /// <summary>Status events, in the order their grains published them.</summary>
    [OneWay, Alias("OnEvents")]
    Task OnEventsAsync(ImmutableArray<McpStatusEvent> events);

    /// <summary>Successful health checks since the last batch: the live last check, without a status change.</summary>
    [OneWay, Alias("OnChecks")]
    Task OnChecksAsync(ImmutableArray<ServerCheck> checks);
}

/// <summary>A server's last successful health check, and the silo whose grain made it.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ServerCheck")]
public sealed record ServerCheck(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string? Silo = null);

/// <summary>One receiver of the status feed, and the silo it lives on (null for a client).</summary>
[GenerateSerializer, Immutable, Alias("omni2.StatusSubscriber")]
public sealed record StatusSubscriber(
    [property: Id(0)] IStatusObserver Observer,
    [property: Id(1)] SiloAddress? Silo);

/// <summary>
/// The cluster's list of status-feed receivers (<see cref="GrainKeys.StatusSubscribers"/>), kept in
/// memory: each receiver renews its subscription periodically and is forgotten when it stops doing so.
/// Publishers read it now and then and keep a copy, so it is never on the path of an event.
/// </summary>
[Alias("omni2.IStatusSubscribersGrain")]
public interface IStatusSubscribersGrain : IGrainWithStringKey
{
    /// <summary>Adds or renews a receiver.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(StatusSubscriber subscriber);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(IStatusObserver observer);

    [AlwaysInterleave, Alias("List")]
    Task<ImmutableArray<StatusSubscriber>> ListAsync();
}
