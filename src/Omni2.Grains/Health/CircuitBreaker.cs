using Omni2.Contracts;

namespace Omni2.Grains.Health;

/// <summary>
/// A server's state machine (docs/design.md), with no I/O in it:
/// <code>
/// healthy --(check fails)--> disconnected --(threshold consecutive failures)--> circuit_open
/// circuit_open --(backoff 30s, 1m, 2m, 4m, 8m, 10m cap, then ONE half-open probe)--> healthy | circuit_open
/// any failing state --(total downtime)--> disabled (until an admin enables it)
/// </code>
/// Each method returns the transition to record, or null when nothing worth a health-log row happened.
/// </summary>
public sealed class CircuitBreaker(HealthOptions options, TimeProvider time, BreakerState? state = null)
{
    public BreakerState State { get; private set; } = state ?? BreakerState.Initial;

    /// <summary>When the owner must wake up next: the next attempt, or the auto-disable deadline if sooner.</summary>
    public DateTimeOffset? NextWakeAt =>
        State.IsFailing && State.DownSince is { } down && State.NextAttemptAt is { } next
            ? Min(next, down + options.DisableAfter)
            : State.NextAttemptAt;

    /// <summary>Time left until the next recovery attempt: the hub's <c>recovery_eta</c>.</summary>
    public TimeSpan? RecoveryEta => State.NextAttemptAt is { } next ? Durations.Max(next - Now, TimeSpan.Zero) : null;

    public bool IsAttemptDue => State.IsFailing && State.NextAttemptAt is { } next && next <= Now;

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>A check or recovery attempt succeeded.</summary>
    public BreakerTransition? RecordSuccess()
    {
        var old = State;
        if (old.Status is HealthStatus.Disabled or HealthStatus.Healthy)
        {
            return null;
        }
        State = new BreakerState
        {
            Status = HealthStatus.Healthy,
            LastRecoveryAttempt = old.IsFailing ? Now : old.LastRecoveryAttempt,
            Attempts = old.IsFailing ? old.Attempts + 1 : 0,
        };
        var transition = old.Status switch
        {
            HealthStatus.Unknown => Transition(HealthEventType.Connected, old, "connected"),
            HealthStatus.CircuitOpen => Transition(HealthEventType.CircuitClosed, old, "half-open probe succeeded"),
            _ => Transition(HealthEventType.RecoverySuccess, old, "recovery attempt succeeded"),
        };
        State = State with { Attempts = 0 };
        return transition;
    }

    /// <summary>A check or recovery attempt failed with <paramref name="reason"/>.</summary>
    public BreakerTransition? RecordFailure(string reason)
    {
        var old = State;
        if (old.Status is HealthStatus.Disabled)
        {
            return null;
        }
        var now = Now;
        var failures = old.ConsecutiveFailures + 1;
        var downSince = old.DownSince ?? now;
        var attempted = old.IsFailing;
        var next = old with
        {
            ConsecutiveFailures = failures,
            DownSince = downSince,
            LastRecoveryAttempt = attempted ? now : old.LastRecoveryAttempt,
            Attempts = attempted ? old.Attempts + 1 : 0,
        };

        if (now - downSince >= options.DisableAfter)
        {
            return AutoDisable(old, next, reason);
        }
        switch (old.Status)
        {
            case HealthStatus.CircuitOpen:
                var step = old.BackoffStep + 1;
                State = next with { BackoffStep = step, NextAttemptAt = now + Backoff(step) };
                return Transition(HealthEventType.RecoveryAttempt, old, reason);
            case var _ when failures >= options.FailureThreshold:
                State = next with
                {
                    Status = HealthStatus.CircuitOpen,
                    Circuit = CircuitState.Open,
                    BackoffStep = 0,
                    NextAttemptAt = now + Backoff(0),
                };
                return Transition(HealthEventType.CircuitOpened, old, reason);
            case HealthStatus.Disconnected:
                State = next with { NextAttemptAt = now + options.RetryInterval };
                return Transition(HealthEventType.RecoveryAttempt, old, reason);
            default:
                State = next with { Status = HealthStatus.Disconnected, NextAttemptAt = now + options.RetryInterval };
                return Transition(HealthEventType.Disconnected, old, reason);
        }
    }

    /// <summary>Disables the server once its outage has lasted <see cref="HealthOptions.DisableAfter"/>.</summary>
    public BreakerTransition? CheckDowntime()
    {
        var old = State;
        return old.IsFailing && old.DownSince is { } down && Now - down >= options.DisableAfter
            ? AutoDisable(old, old, $"down for {options.DisableAfter.TotalMinutes:0.#} minutes")
            : null;
    }

    /// <summary>An admin disabled the server.</summary>
    public BreakerTransition? Disable(string reason)
    {
        var old = State;
        if (old.Status is HealthStatus.Disabled)
        {
            return null;
        }
        State = old with { Status = HealthStatus.Disabled, NextAttemptAt = null };
        return Transition(HealthEventType.ManuallyDisabled, old, reason);
    }

    /// <summary>An admin enabled the server: it starts over as not checked yet.</summary>
    public BreakerTransition? Enable()
    {
        var old = State;
        if (old.Status is not HealthStatus.Disabled)
        {
            return null;
        }
        State = BreakerState.Initial with { LastRecoveryAttempt = old.LastRecoveryAttempt };
        return Transition(HealthEventType.ManuallyEnabled, old, "enabled by admin");
    }

    /// <summary>
    /// An admin closed the circuit: counters and the downtime clock start over and an attempt is due now.
    /// Only an open circuit changes status (to disconnected); a disconnected server just retries now.
    /// </summary>
    public BreakerTransition? Reset()
    {
        var old = State;
        if (!old.IsFailing)
        {
            return null;
        }
        var now = Now;
        State = old with
        {
            Status = HealthStatus.Disconnected,
            Circuit = CircuitState.Closed,
            ConsecutiveFailures = 0,
            BackoffStep = 0,
            Attempts = 0,
            DownSince = now,
            NextAttemptAt = now,
        };
        return old.Status is HealthStatus.CircuitOpen
            ? Transition(HealthEventType.CircuitClosed, old, "circuit reset by admin")
            : null;
    }

    /// <summary>The wait before half-open probe number <paramref name="step"/> + 1: 30s, 1m, 2m, 4m, 8m, then the cap.</summary>
    public TimeSpan Backoff(int step)
    {
        var seconds = options.RecoveryTimeout.TotalSeconds * Math.Pow(options.BackoffMultiplier, step);
        return seconds >= options.MaxBackoff.TotalSeconds ? options.MaxBackoff : TimeSpan.FromSeconds(seconds);
    }

    private BreakerTransition AutoDisable(BreakerState old, BreakerState next, string reason)
    {
        State = next with { Status = HealthStatus.Disabled, NextAttemptAt = null };
        return Transition(HealthEventType.AutoDisabled, old, $"auto-disabled after {options.DisableAfter.TotalMinutes:0.#} minutes of downtime: {reason}");
    }

    private BreakerTransition Transition(HealthEventType type, BreakerState old, string reason) =>
        new(type, old.Status, State.Status, reason, State.Attempts);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
