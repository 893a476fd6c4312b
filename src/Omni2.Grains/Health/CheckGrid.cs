namespace Omni2.Grains.Health;

/// <summary>
/// Where a server's health checks fall in time: on a fleet-wide grid (<see cref="HealthOptions.CheckGrid"/>),
/// so that the checks due within the same step of it run together. A silo's threads then wake once per
/// step for a batch of checks rather than once for each, and sleep in between: with 3,000 servers checked
/// 333 times a second, a 100 ms grid took the silo from 16 to 18 % of a core to 7 to 8 %, and the servers
/// answering them from 36 % to 24 % (BENCHMARKS.md, fleet scale). A check runs at most one step later
/// than it would have; every later check keeps the server's interval.
/// </summary>
public static class CheckGrid
{
    /// <summary>
    /// How long from <paramref name="now"/> until the first check, an <paramref name="interval"/> away:
    /// the next point of the grid from there, in whole milliseconds (the reminder clock's unit; see
    /// <c>ReminderClock</c>). An interval that is a multiple of the grid keeps every check on it.
    /// </summary>
    public static TimeSpan FirstCheckIn(DateTimeOffset now, TimeSpan interval, TimeSpan grid)
    {
        var ticks = now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond;
        var step = Math.Max(grid.Ticks - grid.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerMillisecond);
        var offGrid = (ticks + interval.Ticks) % step;
        return interval + TimeSpan.FromTicks(offGrid == 0 ? 0 : step - offGrid);
    }
}
