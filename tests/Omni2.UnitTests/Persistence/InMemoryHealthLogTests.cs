using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.UnitTests.Persistence;

/// <summary>The embedded default's health log: retention deletes old rows without moving the ids pages are read by.</summary>
public sealed class InMemoryHealthLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static HealthLogEntry Entry(string server, DateTimeOffset at, HealthStatus from = HealthStatus.Unknown, HealthStatus to = HealthStatus.Healthy) => new()
    {
        EventId = Guid.NewGuid(),
        ServerName = server,
        EventType = HealthEventType.Connected,
        OldStatus = from,
        NewStatus = to,
        CreatedAt = at,
    };

    private static async Task<InMemoryServerStore> StoreWithAsync(params HealthLogEntry[] entries)
    {
        var store = new InMemoryServerStore([]);
        foreach (var entry in entries)
        {
            await store.WriteAsync(new McpServerStatus { Name = entry.ServerName }, [], McpServerListings.Empty, [entry]);
        }
        return store;
    }

    [Fact]
    public async Task Rows_before_the_cutoff_are_deleted_and_counted_newer_ones_kept()
    {
        var store = await StoreWithAsync(
            Entry("a", Now.AddDays(-40)), Entry("a", Now.AddDays(-31)), Entry("a", Now.AddDays(-1)), Entry("b", Now.AddDays(-35)), Entry("b", Now));

        Assert.Equal(3, await store.DeleteOlderThanAsync(Now.AddDays(-30)));

        Assert.Equal([Now.AddDays(-1)], (await store.ReadAsync("a", 10)).Select(r => r.Entry.CreatedAt));
        Assert.Equal([Now], (await store.ReadAsync("b", 10)).Select(r => r.Entry.CreatedAt));
    }

    [Fact]
    public async Task A_page_read_before_a_sweep_continues_after_it_without_repeating_or_skipping_a_row()
    {
        var entries = Enumerable.Range(0, 6).Select(i => Entry("a", Now.AddDays(i - 40))).ToArray(); // days -40 .. -35
        var store = await StoreWithAsync([.. entries, Entry("a", Now.AddDays(-2)), Entry("a", Now.AddDays(-1))]);
        var firstPage = await store.ReadAsync("a", 3);

        await store.DeleteOlderThanAsync(Now.AddDays(-37)); // deletes days -40 .. -38
        var nextPage = await store.ReadAsync("a", 3, beforeId: firstPage[^1].Id);

        Assert.Equal([Now.AddDays(-1), Now.AddDays(-2), Now.AddDays(-35)], firstPage.Select(r => r.Entry.CreatedAt));
        Assert.Equal([Now.AddDays(-36), Now.AddDays(-37)], nextPage.Select(r => r.Entry.CreatedAt));
    }

    [Fact]
    public async Task A_read_since_a_time_stops_at_it_and_pages_within_it()
    {
        var store = await StoreWithAsync(Entry("a", Now.AddHours(-30)), Entry("a", Now.AddHours(-24)), Entry("a", Now.AddHours(-3)), Entry("a", Now.AddHours(-1)));

        var firstPage = await store.ReadAsync("a", 2, since: Now.AddHours(-24));
        var nextPage = await store.ReadAsync("a", 2, beforeId: firstPage[^1].Id, since: Now.AddHours(-24));

        Assert.Equal([Now.AddHours(-1), Now.AddHours(-3)], firstPage.Select(r => r.Entry.CreatedAt));
        Assert.Equal([Now.AddHours(-24)], nextPage.Select(r => r.Entry.CreatedAt));
    }

    [Fact]
    public async Task A_retried_write_of_the_same_event_is_recorded_once()
    {
        var entry = Entry("a", Now);
        var store = await StoreWithAsync(entry, entry);

        Assert.Single(await store.ReadAsync("a", 10));
    }

    [Fact]
    public async Task Moves_per_bucket_go_from_a_servers_first_old_status_to_its_last_new_one_for_the_servers_asked_about()
    {
        var minute = TimeSpan.FromMinutes(1);
        var store = await StoreWithAsync(
            Entry("a", Now.AddMinutes(-10)), // before since
            Entry("a", Now.AddSeconds(5), HealthStatus.Healthy, HealthStatus.Disconnected),
            Entry("a", Now.AddSeconds(20), HealthStatus.Disconnected, HealthStatus.CircuitOpen),
            Entry("b", Now.AddSeconds(30), HealthStatus.Healthy, HealthStatus.Disconnected),
            Entry("b", Now.AddSeconds(40), HealthStatus.Disconnected, HealthStatus.Healthy), // back where it was: no move
            Entry("c", Now.AddSeconds(50), HealthStatus.Healthy, HealthStatus.Disconnected), // not asked about
            Entry("b", Now.AddSeconds(70), HealthStatus.Healthy, HealthStatus.CircuitOpen));

        var moves = await store.ReadMovesAsync(["a", "b"], Now, minute);

        var bucket = Now.ToUnixTimeMilliseconds() / 60_000;
        Assert.Equal(
            [new StatusMoves(bucket, HealthStatus.Healthy, HealthStatus.CircuitOpen, 1), new StatusMoves(bucket + 1, HealthStatus.Healthy, HealthStatus.CircuitOpen, 1)],
            moves.OrderBy(m => m.Bucket));
    }
}
