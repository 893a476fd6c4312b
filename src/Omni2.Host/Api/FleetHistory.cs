using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.Host.Api;

/// <summary>
/// The fleet's status counts at the end of each time bucket, walked back from the counts now through the
/// moves the health log recorded in each bucket. A bucket stands for its newest counts, as the
/// dashboard's live samples of a bucket do, so the two merge. Plain arithmetic, no I/O.
/// </summary>
public static class FleetHistory
{
    private static readonly HealthStatus[] Statuses = Enum.GetValues<HealthStatus>();

    /// <param name="now">The count per status now (every status the servers are in).</param>
    /// <param name="moves">Moves of bucket <paramref name="first"/> to <paramref name="last"/>; a later one (a clock ahead) counts in the last.</param>
    /// <returns>Buckets <paramref name="first"/> to <paramref name="last"/>, oldest first.</returns>
    public static IReadOnlyList<int[]> Walk(IReadOnlyDictionary<HealthStatus, int> now, IEnumerable<StatusMoves> moves, long first, long last)
    {
        var byBucket = moves.Where(m => m.Bucket >= first).ToLookup(m => Math.Min(m.Bucket, last));
        var counts = Statuses.Select(s => now.GetValueOrDefault(s)).ToArray();
        var buckets = new int[last - first + 1][];
        for (var bucket = last; bucket >= first; bucket--)
        {
            buckets[bucket - first] = (int[])counts.Clone();
            foreach (var move in byBucket[bucket])
            {
                // Undone, a bucket's moves give the counts at the end of the one before. A log that disagrees
                // with the catalog (a row not yet written) could take a count below zero: it stops at zero.
                counts[(int)move.To] = Math.Max(0, counts[(int)move.To] - move.Servers);
                counts[(int)move.From] += move.Servers;
            }
        }
        return buckets;
    }

    /// <summary>A bucket's counts by status wire name (every status, zeros included).</summary>
    public static IReadOnlyDictionary<string, int> Named(int[] counts) =>
        Statuses.ToDictionary(s => s.ToWire(), s => counts[(int)s]);
}
