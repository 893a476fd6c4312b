using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Api;

namespace Omni2.UnitTests.Api;

public sealed class FleetHistoryTests
{
    private static int[] Counts(int unknown = 0, int healthy = 0, int disconnected = 0, int circuitOpen = 0, int disabled = 0) =>
        [unknown, healthy, disconnected, circuitOpen, disabled];

    private static Dictionary<HealthStatus, int> Now(int healthy = 0, int disconnected = 0, int circuitOpen = 0) => new()
    {
        [HealthStatus.Healthy] = healthy, [HealthStatus.Disconnected] = disconnected, [HealthStatus.CircuitOpen] = circuitOpen,
    };

    [Fact]
    public void Without_moves_every_bucket_has_the_counts_of_now()
    {
        var buckets = FleetHistory.Walk(Now(healthy: 3), [], first: 10, last: 12);

        Assert.Equal([Counts(healthy: 3), Counts(healthy: 3), Counts(healthy: 3)], buckets);
    }

    [Fact]
    public void A_bucket_ends_after_its_moves_and_the_one_before_ends_before_them()
    {
        // Bucket 11: two servers went down; bucket 12: one came back. Now: 9 healthy, 1 disconnected.
        StatusMoves[] moves =
        [
            new(11, HealthStatus.Healthy, HealthStatus.Disconnected, 2),
            new(12, HealthStatus.Disconnected, HealthStatus.Healthy, 1),
        ];

        var buckets = FleetHistory.Walk(Now(healthy: 9, disconnected: 1), moves, first: 10, last: 12);

        Assert.Equal([Counts(healthy: 10), Counts(healthy: 8, disconnected: 2), Counts(healthy: 9, disconnected: 1)], buckets);
    }

    [Fact]
    public void Servers_registered_inside_the_window_were_unknown_before()
    {
        var buckets = FleetHistory.Walk(Now(healthy: 2), [new(11, HealthStatus.Unknown, HealthStatus.Healthy, 2)], first: 10, last: 11);

        Assert.Equal([Counts(unknown: 2), Counts(healthy: 2)], buckets);
    }

    [Fact]
    public void A_log_that_disagrees_with_the_catalog_never_counts_below_zero()
    {
        // The log says a server recovered that the catalog never saw down.
        var buckets = FleetHistory.Walk(Now(healthy: 1), [new(11, HealthStatus.CircuitOpen, HealthStatus.Disconnected, 1)], first: 10, last: 11);

        Assert.Equal([Counts(healthy: 1, circuitOpen: 1), Counts(healthy: 1)], buckets);
    }

    [Fact]
    public void A_move_after_the_last_bucket_counts_in_it_and_one_before_the_first_is_ignored()
    {
        StatusMoves[] moves =
        [
            new(13, HealthStatus.Healthy, HealthStatus.Disconnected, 1),
            new(5, HealthStatus.Unknown, HealthStatus.Healthy, 4),
        ];

        var buckets = FleetHistory.Walk(Now(healthy: 3, disconnected: 1), moves, first: 10, last: 12);

        Assert.Equal([Counts(healthy: 4), Counts(healthy: 4), Counts(healthy: 3, disconnected: 1)], buckets);
    }

    [Fact]
    public void A_bucket_is_named_by_every_status_on_the_wire()
    {
        Assert.Equal(
            new Dictionary<string, int> { ["unknown"] = 0, ["healthy"] = 1, ["disconnected"] = 2, ["circuit_open"] = 3, ["disabled"] = 4 },
            FleetHistory.Named([0, 1, 2, 3, 4]));
    }
}
