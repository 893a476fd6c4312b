using Omni2.Grains.Health;

namespace Omni2.UnitTests.Health;

public sealed class CheckGridTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Grid = TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset Midnight = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(12_345)]
    [InlineData(99_999)]
    [InlineData(987_654_321)]
    public void The_first_check_is_the_next_point_of_the_grid_an_interval_away(long microseconds)
    {
        var now = Midnight.AddTicks(microseconds * 10);
        var first = now.Subtract(TimeSpan.FromTicks(now.Ticks % TimeSpan.TicksPerMillisecond)) + CheckGrid.FirstCheckIn(now, Interval, Grid);

        Assert.Equal(0, first.UtcTicks % Grid.Ticks);
        Assert.InRange(first - now, Interval - TimeSpan.FromMilliseconds(1), Interval + Grid);
    }

    [Fact]
    public void A_server_whose_interval_already_ends_on_the_grid_waits_exactly_its_interval()
    {
        Assert.Equal(Interval, CheckGrid.FirstCheckIn(Midnight.AddMilliseconds(300), Interval, Grid));
    }

    [Fact]
    public void Every_check_after_the_first_stays_on_the_grid_when_the_interval_is_a_multiple_of_it()
    {
        var now = Midnight.AddMilliseconds(1_234.567);
        var first = Midnight.AddMilliseconds(1_234) + CheckGrid.FirstCheckIn(now, TimeSpan.FromSeconds(45), Grid);

        for (var check = 0; check < 100; check++)
        {
            Assert.Equal(0, first.AddSeconds(45 * check).UtcTicks % Grid.Ticks);
        }
    }

    [Fact]
    public void Without_a_grid_the_first_check_is_the_interval_in_whole_milliseconds()
    {
        var now = Midnight.AddTicks(12_345_678);

        var due = CheckGrid.FirstCheckIn(now, Interval, TimeSpan.Zero);

        Assert.Equal(Interval, due);
        Assert.Equal(0, due.Ticks % TimeSpan.TicksPerMillisecond);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_001)]
    public void A_grid_outside_zero_to_one_second_is_refused_at_startup(int milliseconds)
    {
        var options = new HealthOptions { CheckGrid = TimeSpan.FromMilliseconds(milliseconds) };

        Assert.False(options.IsValid(out var error));
        Assert.Contains("CheckGrid", error);
    }
}
