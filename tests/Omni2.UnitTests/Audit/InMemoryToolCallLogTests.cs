using Microsoft.Extensions.Options;
using Omni2.Grains.Audit;

namespace Omni2.UnitTests.Audit;

/// <summary>The embedded default's audit: bounded to the newest calls, read newest first, expired by age.</summary>
public sealed class InMemoryToolCallLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ToolCallRecord Call(int minutesAgo, string user = "u", string outcome = "completed") => new()
    {
        Time = Now.AddMinutes(-minutesAgo), User = user, Roles = ["operator"], Server = "s", Tool = "t", Route = "mcp",
        Outcome = outcome, HttpStatus = 200, DurationMs = 1, ArgumentBytes = 2,
    };

    private static InMemoryToolCallLog Log(int capacity) => new(Options.Create(new AuditOptions { MemoryCapacity = capacity }));

    [Fact]
    public async Task Only_the_newest_MemoryCapacity_calls_are_kept()
    {
        var log = Log(3);

        await log.WriteAsync([Call(5), Call(4), Call(3)]);
        await log.WriteAsync([Call(2), Call(1)]);

        var calls = await log.ReadAsync(new ToolCallQuery(null, null, null, null, 10, null));
        Assert.Equal([Now.AddMinutes(-1), Now.AddMinutes(-2), Now.AddMinutes(-3)], calls.Select(c => c.Time));
    }

    [Fact]
    public async Task A_query_filters_and_pages_by_time()
    {
        var log = Log(10);
        await log.WriteAsync([Call(4, "a"), Call(3, "b"), Call(2, "a", "rate_limited"), Call(1, "a")]);

        var page = await log.ReadAsync(new ToolCallQuery(null, "a", null, null, 1, Now.AddMinutes(-1)));

        Assert.Equal(Now.AddMinutes(-2), Assert.Single(page).Time);
        Assert.Single(await log.ReadAsync(new ToolCallQuery(null, null, null, "rate_limited", 10, null)));
    }

    [Fact]
    public async Task Retention_deletes_the_calls_made_before_the_cutoff()
    {
        var log = Log(10);
        await log.WriteAsync([Call(60), Call(30), Call(1)]);

        Assert.Equal(2, await log.DeleteOlderThanAsync(Now.AddMinutes(-10)));

        Assert.Single(await log.ReadAsync(new ToolCallQuery(null, null, null, null, 10, null)));
    }
}
