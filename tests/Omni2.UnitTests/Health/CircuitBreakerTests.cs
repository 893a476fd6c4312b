using Microsoft.Extensions.Time.Testing;
using Omni2.Contracts;
using Omni2.Grains.Health;

namespace Omni2.UnitTests.Health;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly HealthOptions _options = new();

    private CircuitBreaker NewBreaker(BreakerState? state = null) => new(_options, _time, state);

    private CircuitBreaker HealthyBreaker()
    {
        var breaker = NewBreaker();
        breaker.RecordSuccess();
        return breaker;
    }

    /// <summary>Fails until the circuit opens, advancing the clock to each due attempt as the grain's timer would.</summary>
    private static List<BreakerTransition?> FailUntilOpen(CircuitBreaker breaker, FakeTimeProvider time)
    {
        var transitions = new List<BreakerTransition?>();
        while (breaker.State.Status != HealthStatus.CircuitOpen)
        {
            if (breaker.State.NextAttemptAt is { } next)
            {
                time.SetUtcNow(next);
            }
            transitions.Add(breaker.RecordFailure("connection refused"));
        }
        return transitions;
    }

    [Fact]
    public void First_successful_check_records_connected()
    {
        var breaker = NewBreaker();

        var transition = breaker.RecordSuccess();

        Assert.Equal(new BreakerTransition(HealthEventType.Connected, HealthStatus.Unknown, HealthStatus.Healthy, "connected", 0), transition);
        Assert.Equal(CircuitState.Closed, breaker.State.Circuit);
    }

    [Fact]
    public void Failed_first_connect_is_a_disconnect()
    {
        var breaker = NewBreaker();

        var transition = breaker.RecordFailure("connection refused");

        Assert.Equal(HealthEventType.Disconnected, transition!.Event);
        Assert.Equal(HealthStatus.Unknown, transition.OldStatus);
        Assert.Equal(HealthStatus.Disconnected, breaker.State.Status);
    }

    [Fact]
    public void Another_successful_check_while_healthy_is_not_a_transition()
    {
        var breaker = HealthyBreaker();

        Assert.Null(breaker.RecordSuccess());
    }

    [Fact]
    public void Failed_check_on_a_healthy_server_disconnects_and_schedules_a_retry()
    {
        var breaker = HealthyBreaker();

        var transition = breaker.RecordFailure("ping timed out");

        Assert.Equal(new BreakerTransition(HealthEventType.Disconnected, HealthStatus.Healthy, HealthStatus.Disconnected, "ping timed out", 0), transition);
        Assert.Equal(1, breaker.State.ConsecutiveFailures);
        Assert.Equal(_time.GetUtcNow(), breaker.State.DownSince);
        Assert.Equal(_time.GetUtcNow() + _options.RetryInterval, breaker.State.NextAttemptAt);
        Assert.Equal(_options.RetryInterval, breaker.RecoveryEta);
    }

    [Fact]
    public void Circuit_opens_after_five_consecutive_failures()
    {
        var breaker = HealthyBreaker();

        var events = FailUntilOpen(breaker, _time).Select(t => t!.Event).ToArray();

        Assert.Equal(
            [HealthEventType.Disconnected, HealthEventType.RecoveryAttempt, HealthEventType.RecoveryAttempt, HealthEventType.RecoveryAttempt, HealthEventType.CircuitOpened],
            events);
        Assert.Equal(5, breaker.State.ConsecutiveFailures);
        Assert.Equal(CircuitState.Open, breaker.State.Circuit);
    }

    [Fact]
    public void Recovery_attempts_count_up_while_disconnected()
    {
        var breaker = HealthyBreaker();

        var attempts = FailUntilOpen(breaker, _time).Select(t => t!.Attempt).ToArray();

        Assert.Equal([0, 1, 2, 3, 4], attempts);
    }

    [Fact]
    public void Open_circuit_backs_off_30s_1m_2m_4m_8m_then_caps_at_10m()
    {
        _options.DisableAfter = TimeSpan.FromDays(1);
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);

        var waits = new List<TimeSpan>();
        for (var probe = 0; probe < 8; probe++)
        {
            var next = breaker.State.NextAttemptAt!.Value;
            waits.Add(next - _time.GetUtcNow());
            _time.SetUtcNow(next);
            Assert.True(breaker.IsAttemptDue);
            var transition = breaker.RecordFailure("still down");
            Assert.Equal(HealthEventType.RecoveryAttempt, transition!.Event);
            Assert.Equal(HealthStatus.CircuitOpen, transition.NewStatus);
        }

        Assert.Equal(
            new[] { 30, 60, 120, 240, 480, 600, 600, 600 }.Select(s => TimeSpan.FromSeconds(s)),
            waits);
    }

    [Fact]
    public void Attempt_is_not_due_before_the_backoff_elapses()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);

        _time.Advance(TimeSpan.FromSeconds(29));

        Assert.False(breaker.IsAttemptDue);
        Assert.Equal(TimeSpan.FromSeconds(1), breaker.RecoveryEta);
    }

    [Fact]
    public void Successful_half_open_probe_closes_the_circuit_and_resets_counters()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);
        _time.SetUtcNow(breaker.State.NextAttemptAt!.Value);

        var transition = breaker.RecordSuccess();

        Assert.Equal(HealthEventType.CircuitClosed, transition!.Event);
        Assert.Equal(HealthStatus.CircuitOpen, transition.OldStatus);
        Assert.Equal(HealthStatus.Healthy, transition.NewStatus);
        Assert.Equal(5, transition.Attempt);
        Assert.Equal(0, breaker.State.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, breaker.State.Circuit);
        Assert.Null(breaker.State.DownSince);
        Assert.Null(breaker.State.NextAttemptAt);
        Assert.Equal(_time.GetUtcNow(), breaker.State.LastRecoveryAttempt);
    }

    [Fact]
    public void Successful_retry_while_disconnected_is_a_recovery_success()
    {
        var breaker = HealthyBreaker();
        breaker.RecordFailure("timeout");
        _time.Advance(_options.RetryInterval);

        var transition = breaker.RecordSuccess();

        Assert.Equal(HealthEventType.RecoverySuccess, transition!.Event);
        Assert.Equal(HealthStatus.Healthy, breaker.State.Status);
    }

    [Fact]
    public void Circuit_reopens_from_scratch_after_recovering()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);
        _time.SetUtcNow(breaker.State.NextAttemptAt!.Value);
        breaker.RecordSuccess();

        var transition = breaker.RecordFailure("down again");

        Assert.Equal(HealthEventType.Disconnected, transition!.Event);
        Assert.Equal(1, breaker.State.ConsecutiveFailures);
    }

    [Fact]
    public void Thirty_minutes_of_downtime_disables_the_server()
    {
        var breaker = HealthyBreaker();
        var start = _time.GetUtcNow();
        FailUntilOpen(breaker, _time);
        BreakerTransition? disabled;
        do
        {
            _time.SetUtcNow(breaker.NextWakeAt!.Value);
            disabled = breaker.CheckDowntime() ?? breaker.RecordFailure("still down");
        }
        while (disabled!.Event != HealthEventType.AutoDisabled);

        Assert.Equal(HealthEventType.AutoDisabled, disabled.Event);
        Assert.Equal(HealthStatus.CircuitOpen, disabled.OldStatus);
        Assert.Equal(HealthStatus.Disabled, disabled.NewStatus);
        Assert.Equal(start + TimeSpan.FromMinutes(30), _time.GetUtcNow());
        Assert.Null(breaker.State.NextAttemptAt);
    }

    [Fact]
    public void Wake_time_is_the_disable_deadline_when_it_comes_before_the_next_probe()
    {
        var breaker = HealthyBreaker();
        var start = _time.GetUtcNow();
        FailUntilOpen(breaker, _time);

        // Probes at 1:10, 2:10, 4:10, 8:10, 16:10 and 26:10 fail; the next would be at 36:10.
        while (breaker.State.NextAttemptAt <= start + _options.DisableAfter)
        {
            _time.SetUtcNow(breaker.State.NextAttemptAt!.Value);
            breaker.RecordFailure("still down");
        }

        Assert.Equal(start + new TimeSpan(0, 36, 10), breaker.State.NextAttemptAt);
        Assert.Equal(start + _options.DisableAfter, breaker.NextWakeAt);
    }

    [Fact]
    public void Disabled_server_ignores_checks_until_enabled()
    {
        var breaker = HealthyBreaker();
        breaker.Disable("maintenance");

        Assert.Null(breaker.RecordFailure("down"));
        Assert.Null(breaker.RecordSuccess());
        Assert.Equal(HealthStatus.Disabled, breaker.State.Status);
    }

    [Fact]
    public void Manual_disable_is_recorded_once()
    {
        var breaker = HealthyBreaker();

        var first = breaker.Disable("maintenance");
        var second = breaker.Disable("maintenance");

        Assert.Equal(HealthEventType.ManuallyDisabled, first!.Event);
        Assert.Null(second);
    }

    [Fact]
    public void Enable_starts_over_as_not_checked_yet()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);
        breaker.Disable("maintenance");

        var transition = breaker.Enable();

        Assert.Equal(new BreakerTransition(HealthEventType.ManuallyEnabled, HealthStatus.Disabled, HealthStatus.Unknown, "enabled by admin", 0), transition);
        Assert.Equal(0, breaker.State.ConsecutiveFailures);
        Assert.Null(breaker.State.DownSince);
        Assert.Equal(CircuitState.Closed, breaker.State.Circuit);
    }

    [Fact]
    public void Enable_of_an_enabled_server_changes_nothing()
    {
        var breaker = HealthyBreaker();

        Assert.Null(breaker.Enable());
        Assert.Equal(HealthStatus.Healthy, breaker.State.Status);
    }

    [Fact]
    public void Reset_closes_an_open_circuit_and_makes_an_attempt_due_now()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);

        var transition = breaker.Reset();

        Assert.Equal(HealthEventType.CircuitClosed, transition!.Event);
        Assert.Equal(HealthStatus.Disconnected, breaker.State.Status);
        Assert.Equal(0, breaker.State.ConsecutiveFailures);
        Assert.True(breaker.IsAttemptDue);
    }

    [Fact]
    public void Reset_restarts_the_downtime_clock()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);
        _time.Advance(TimeSpan.FromMinutes(29));

        breaker.Reset();
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(breaker.CheckDowntime());
    }

    [Fact]
    public void Reset_of_a_healthy_server_is_a_no_op()
    {
        var breaker = HealthyBreaker();

        Assert.Null(breaker.Reset());
        Assert.Equal(HealthStatus.Healthy, breaker.State.Status);
    }

    [Fact]
    public void Thresholds_are_configurable()
    {
        _options.FailureThreshold = 2;
        _options.RecoveryTimeout = TimeSpan.FromSeconds(1);
        _options.MaxBackoff = TimeSpan.FromSeconds(3);
        var breaker = HealthyBreaker();

        var events = FailUntilOpen(breaker, _time).Select(t => t!.Event);

        Assert.Equal([HealthEventType.Disconnected, HealthEventType.CircuitOpened], events);
        Assert.Equal([1, 2, 3, 3], Enumerable.Range(0, 4).Select(step => breaker.Backoff(step).TotalSeconds));
    }

    [Fact]
    public void Restored_state_continues_where_it_left_off()
    {
        var breaker = HealthyBreaker();
        FailUntilOpen(breaker, _time);

        var restored = NewBreaker(breaker.State);

        Assert.Equal(breaker.State, restored.State);
        Assert.Equal(breaker.NextWakeAt, restored.NextWakeAt);
    }

    [Theory]
    [InlineData(0, 30, 600, 1800, "RetryInterval must be positive")]
    [InlineData(10, 0, 600, 1800, "RecoveryTimeout must be positive")]
    [InlineData(10, 30, 20, 1800, "MaxBackoff must be at least RecoveryTimeout")]
    [InlineData(10, 30, 600, 0, "DisableAfter must be positive")]
    public void Unusable_options_are_rejected(int retry, int recovery, int max, int disableAfter, string expected)
    {
        var options = new HealthOptions
        {
            RetryInterval = TimeSpan.FromSeconds(retry),
            RecoveryTimeout = TimeSpan.FromSeconds(recovery),
            MaxBackoff = TimeSpan.FromSeconds(max),
            DisableAfter = TimeSpan.FromSeconds(disableAfter),
        };

        Assert.False(options.IsValid(out var error));
        Assert.Equal(expected, error);
    }
}
