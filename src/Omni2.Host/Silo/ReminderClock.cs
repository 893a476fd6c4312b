namespace Omni2.Host.Silo;

/// <summary>
/// The reminder service's clock: the system clock, truncated to whole milliseconds. Orleans waits
/// for a reminder's next tick with <c>Task.Delay</c> of the time left, which counts whole
/// milliseconds, and loops until the tick is due: in the last fraction of a millisecond the delay
/// rounds to zero and the wait spins on the clock. Reminders start at this clock's time plus a
/// whole interval, so their ticks fall on whole milliseconds too, and the time left is never a
/// fraction. Each health check thus stops costing up to a millisecond of spinning (at 333 checks/s,
/// several percent of a core). A tick runs under a millisecond late at most.
/// </summary>
public sealed class ReminderClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}
