using Omni2.Contracts;
using Omni2.Grains.Health;

namespace Omni2.Grains.Servers;

/// <summary>
/// When a server's grain wakes up: the health-check reminder (durable, once per check interval,
/// and what reactivates the grain after its silo is lost) and the one step timer (the first connect
/// and every recovery attempt, at the breaker's next wake-up). Used on the grain's scheduler only.
/// </summary>
public sealed class ServerSchedule(Grain grain, CircuitBreaker breaker, TimeProvider time, TimeSpan grid, Func<CancellationToken, Task> step)
{
    public const string HealthReminder = "health-check";

    private IGrainTimer? _timer;

    /// <summary>Checks every <see cref="McpServerConfig.HealthCheckInterval"/> from now on, on the fleet's <see cref="CheckGrid"/>.</summary>
    public Task StartChecksAsync(McpServerConfig config) =>
        grain.RegisterOrUpdateReminder(HealthReminder, CheckGrid.FirstCheckIn(time.GetUtcNow(), config.HealthCheckInterval, grid), config.HealthCheckInterval);

    /// <summary>Arms the step timer: now, at the breaker's next wake-up, or not at all.</summary>
    public void NextStep(bool immediately)
    {
        var due = immediately ? TimeSpan.Zero
            : breaker.NextWakeAt is { } wake ? Durations.Max(wake - time.GetUtcNow(), TimeSpan.Zero)
            : Timeout.InfiniteTimeSpan;
        _timer ??= grain.RegisterGrainTimer(step, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>No more steps until <see cref="NextStep"/> (the grain deactivates, or the server is retired).</summary>
    public void StopSteps()
    {
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>No more steps and no more checks: the server is retired, or not configured.</summary>
    public async Task StopAsync()
    {
        StopSteps();
        if (await grain.GetReminder(HealthReminder) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
