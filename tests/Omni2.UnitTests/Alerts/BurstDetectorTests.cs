using Microsoft.Extensions.Time.Testing;
using Omni2.Grains.Alerts;

namespace Omni2.UnitTests.Alerts;

public sealed class BurstDetectorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 28, 12, 0, 0, TimeSpan.Zero));

    private BurstDetector NewDetector() => new(3, TimeSpan.FromSeconds(60), _time);

    [Fact]
    public void Three_failures_within_the_window_make_one_burst()
    {
        var detector = NewDetector();

        Assert.Null(detector.Record("a"));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(detector.Record("b"));
        _time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(["a", "b", "c"], detector.Record("c"));
    }

    [Fact]
    public void A_burst_alerts_once_however_many_servers_follow()
    {
        var detector = NewDetector();
        var alerts = Enumerable.Range(0, 50).Select(i => detector.Record($"s{i}")).Count(a => a is not null);

        Assert.Equal(1, alerts);
    }

    [Fact]
    public void Failures_spread_wider_than_the_window_never_alert()
    {
        var detector = NewDetector();
        foreach (var server in new[] { "a", "b", "c", "d" })
        {
            Assert.Null(detector.Record(server));
            _time.Advance(TimeSpan.FromSeconds(31));
        }
    }

    [Fact]
    public void The_same_server_failing_again_is_not_a_burst()
    {
        var detector = NewDetector();

        Assert.Null(detector.Record("a"));
        Assert.Null(detector.Record("a"));
        Assert.Null(detector.Record("a"));
    }

    [Fact]
    public void A_new_burst_after_a_quiet_window_alerts_again()
    {
        var detector = NewDetector();
        foreach (var server in new[] { "a", "b", "c" })
        {
            detector.Record(server);
        }
        _time.Advance(TimeSpan.FromSeconds(61));

        Assert.Null(detector.Record("d"));
        Assert.Null(detector.Record("e"));
        Assert.Equal(["d", "e", "f"], detector.Record("f"));
    }
}
