namespace Omni2.Contracts;

/// <summary>What a user's requests of one kind are counted as, cluster-wide.</summary>
public enum RateLimitKind
{
    /// <summary>Tool calls, REST and <c>/mcp</c> together.</summary>
    ToolCalls,
    /// <summary>Every other API and <c>/mcp</c> request.</summary>
    Reads,
    /// <summary>New connections to the status hub.</summary>
    HubConnections,
}

/// <summary>Permits handed to a silo: <see cref="Granted"/> of those asked for, and when to ask again if none.</summary>
[GenerateSerializer, Immutable, Alias("omni2.RateLimitGrant")]
public sealed record RateLimitGrant([property: Id(0)] int Granted, [property: Id(1)] TimeSpan RetryAfter);

/// <summary>
/// One user's token bucket for one <see cref="RateLimitKind"/>, the only one in the cluster (key
/// <c>kind/user</c>). Silos take permits in small batches and spend them locally, so a user gets
/// the limit once however many silos serve them.
/// </summary>
[Alias("omni2.IRateLimitGrain")]
public interface IRateLimitGrain : IGrainWithStringKey
{
    /// <summary>Takes up to <paramref name="wanted"/> permits from a bucket of <paramref name="limit"/> per <paramref name="window"/>.</summary>
    [Alias("Take")]
    Task<RateLimitGrant> TakeAsync(int wanted, int limit, TimeSpan window);
}
