using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary><paramref name="Servers"/> went from <paramref name="From"/> to <paramref name="To"/> in bucket <paramref name="Bucket"/> (its start in the epoch's seconds divided by the bucket's).</summary>
public sealed record StatusMoves(long Bucket, HealthStatus From, HealthStatus To, int Servers);
