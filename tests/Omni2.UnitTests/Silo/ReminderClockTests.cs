using Omni2.Host.Silo;

namespace Omni2.UnitTests.Silo;

public sealed class ReminderClockTests
{
    [Fact]
    public void The_reminder_clock_reads_whole_milliseconds_never_ahead_of_the_system_clock_and_under_one_behind()
    {
        var clock = new ReminderClock();
        for (var i = 0; i < 1_000; i++)
        {
            var before = TimeProvider.System.GetUtcNow();
            var now = clock.GetUtcNow();
            var after = TimeProvider.System.GetUtcNow();

            Assert.Equal(0, now.Ticks % TimeSpan.TicksPerMillisecond);
            Assert.True(now <= after, $"{now:O} is ahead of {after:O}");
            Assert.True(before - now < TimeSpan.FromMilliseconds(1), $"{now:O} is a millisecond or more behind {before:O}");
        }
    }

    [Fact]
    public void A_whole_interval_from_the_reminder_clock_leaves_whole_milliseconds_to_wait()
    {
        var clock = new ReminderClock();
        var due = clock.GetUtcNow() + TimeSpan.FromSeconds(30);

        Assert.Equal(0, (due - clock.GetUtcNow()).Ticks % TimeSpan.TicksPerMillisecond);
    }
}
