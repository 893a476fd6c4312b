using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Health;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;
using Omni2.Grains.Pinning;

namespace Omni2.Grains.Servers;

/// <summary>
/// The single owner of one MCP server: decides which step is due and delegates. The <see cref="ServerSchedule"/>
/// wakes it (a reminder for checks, a timer for connects and recoveries), the <see cref="HealthProbe"/> checks or
/// connects, the <see cref="CircuitBreaker"/> decides transitions, the <see cref="ServerStatusWriter"/> makes them
/// known and durable, the <see cref="ConnectionLifecycle"/> keeps the connection, the <see cref="ToolCallGate"/>
/// admits and proxies calls (interleaved with everything), the <see cref="ToolPinGuard"/> judges tool lists.
/// </summary>
public sealed partial class McpServerGrain(
    [PersistentState("server", StorageNames.Grains)] IPersistentState<McpServerState> state,
    IServerConfigSource configs,
    WriterServices writing,
    PinningServices pinning,
    IOptions<HealthOptions> healthOptions,
    McpHttp http,
    ConnectGate connects,
    ILoggerFactory loggerFactory,
    ILogger<McpServerGrain> logger) : Grain, IMcpServerGrain, IRemindable
{
    private static readonly TimeSpan FlushOnDeactivation = TimeSpan.FromSeconds(5);
    /// <summary>How long an admin action waits for its rows (it answers anyway; see <see cref="ServerStatusWriter.WhenWrittenAsync"/>).</summary>
    private static readonly TimeSpan AdminWriteWait = TimeSpan.FromSeconds(5);

    private CircuitBreaker _breaker = null!;
    private ServerStatusWriter _writer = null!;
    private ConnectionLifecycle _connection = null!;
    private HealthProbe _probe = null!;
    private ToolCallGate _calls = null!;
    private ServerSchedule _schedule = null!;
    private ToolPinGuard _pins = null!;

    private string Name => this.GetPrimaryKeyString();

    private McpServerConfig? Config => state.State.Config;

    private HealthStatus Status => _breaker.State.Status;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var missed = writing.History.Since(Name, state.State.Version);
        state.State.CatchUp(missed);
        _breaker = new CircuitBreaker(healthOptions.Value, writing.Time, state.State.Breaker);
        _writer = new ServerStatusWriter(Name, RuntimeIdentity, state, _breaker, writing, logger);
        _connection = new ConnectionLifecycle(Name, http, connects, loggerFactory, logger);
        _pins = new ToolPinGuard(Name, pinning, logger);
        await _pins.LoadAsync(cancellationToken);
        _probe = new HealthProbe(Name, _breaker, _connection, _writer, _pins, writing.Metrics, logger);
        // Passive health: a call failure that is the server's fault counts as a failed check at once.
        var self = this.AsReference<IMcpServerGrain>();
        _calls = new ToolCallGate(Name, _breaker, _connection, writing.Metrics, (connection, error) => self.ReportCallFailureAsync(connection, error).Ignore());
        _schedule = new ServerSchedule(this, _breaker, writing.Time, healthOptions.Value.CheckGrid, StepAsync);

        var config = await configs.LoadOrSavedAsync(Name, state.State.Config, logger, cancellationToken);
        if (config is not null)
        {
            state.State.Config = config;
            _writer.ResumePending(missed);
        }
        if (config is not { Enabled: true })
        {
            // Not configured (woken by a leftover reminder: idle until collected), or retired as
            // disabled (quiet until the registry enables it again).
            await _schedule.StopAsync();
            return;
        }
        await _schedule.StartChecksAsync(config);
        _schedule.NextStep(immediately: Status is HealthStatus.Unknown or HealthStatus.Healthy);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _schedule.StopSteps();
        await _connection.DropAsync();
        await _writer.FlushAsync(FlushOnDeactivation);
    }

    public async Task ApplyConfigAsync(McpServerConfig config)
    {
        var previous = Config;
        if (previous is not null && previous.Fingerprint() == config.Fingerprint())
        {
            return;
        }
        _writer.ConfigChanged(config);
        if (previous?.HealthCheckInterval != config.HealthCheckInterval || previous?.Enabled != true)
        {
            await _schedule.StartChecksAsync(config);
        }
        if (previous is not null && !previous.ReachesLike(config) && Status is not HealthStatus.Disabled)
        {
            LogReconfigured(Name);
            await AttemptAsync(CancellationToken.None);
        }
    }

    public async Task RetireAsync(RetireReason reason)
    {
        _schedule.StopSteps();
        await _connection.DropAsync();
        if (reason is RetireReason.Disabled)
        {
            // Kept (as disabled) so that enabling the row again is recorded as manually_enabled. Not waited
            // for: the feed has it already, deactivation flushes the write, and the registry retiring
            // thousands of rows at once must not wait for each.
            _writer.Record(_breaker.Disable("disabled in configuration"));
        }
        else
        {
            await _writer.RemovedAsync();
            await _pins.ForgetAsync();
        }
        await _schedule.StopAsync();
        LogRetired(Name, reason);
        DeactivateOnIdle();
    }

    public Task<McpServerStatus> GetStatusAsync() => Task.FromResult(_writer.Status());

    public Task<McpServerSnapshot> GetSnapshotAsync() => Task.FromResult(new McpServerSnapshot(_writer.Status(), state.State.Tools));

    public async Task<McpServerSnapshot> GetWrittenSnapshotAsync()
    {
        await _writer.WhenWrittenAsync(AdminWriteWait);
        return await GetSnapshotAsync();
    }

    public Task<ToolCallResult> CallToolAsync(ToolCallRequest request, CancellationToken cancellationToken) =>
        _pins.Refusal(request) is { } refused ? Task.FromResult(refused) : _calls.CallAsync(Config, state.State.Tools, request, cancellationToken);

    public Task<ToolCallResult> ReadAsync(McpReadRequest request, CancellationToken cancellationToken) =>
        _calls.ReadAsync(Config, state.State.Listings, request, cancellationToken);

    public Task<ToolPinsSnapshot> GetToolPinsAsync() => Task.FromResult(_pins.Snapshot());

    public async Task<ToolApproval> ApproveToolsAsync(ImmutableArray<string> tools, string approvedBy)
    {
        var (approval, served) = await _pins.ApproveAsync(tools, approvedBy);
        _writer.ToolsChanged(served);
        await _writer.WhenWrittenAsync(AdminWriteWait);
        return approval;
    }

    public async Task<McpServerStatus> CheckNowAsync(CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        return await _writer.StatusWhenWrittenAsync(AdminWriteWait);
    }

    public async Task<McpServerStatus> DisableAsync(string reason)
    {
        if (_breaker.Disable(reason) is { } transition)
        {
            await _connection.DropAsync();
            _writer.Record(transition);
        }
        return await _writer.StatusWhenWrittenAsync(AdminWriteWait);
    }

    public async Task<McpServerStatus> EnableAsync(CancellationToken cancellationToken)
    {
        if (_breaker.Enable() is { } transition)
        {
            _writer.Record(transition);
            if (Config is { } config)
            {
                await _schedule.StartChecksAsync(config);
            }
            await AttemptAsync(cancellationToken);
        }
        return await _writer.StatusWhenWrittenAsync(AdminWriteWait);
    }

    public async Task<McpServerStatus> ResetCircuitAsync(CancellationToken cancellationToken)
    {
        if (_breaker.State.IsFailing)
        {
            _writer.Record(_breaker.Reset());
            await AttemptAsync(cancellationToken);
        }
        return await _writer.StatusWhenWrittenAsync(AdminWriteWait);
    }

    public async Task ReportCallFailureAsync(long connection, string error)
    {
        if (!_connection.IsCurrent(connection) || Status is not HealthStatus.Healthy)
        {
            return; // Already handled: a report about an older connection, or the server is already down.
        }
        await _probe.FailAsync(error);
        _schedule.NextStep(immediately: false);
    }

    public async Task RefreshToolsAsync(long connection)
    {
        if (_connection.IsCurrent(connection) && Config is { } config)
        {
            await _probe.RefreshToolsAsync(_connection.Current!, config);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ServerSchedule.HealthReminder)
        {
            writing.Metrics.HealthCheckLag(status, writing.Time.GetUtcNow());
            await StepAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// One step of the state machine: a health check when healthy, a connect when not checked yet,
    /// the due recovery attempt (or auto-disable) when failing, nothing when disabled.
    /// </summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        switch (Status)
        {
            case HealthStatus.Healthy when _connection.Current is { } open && Config is { } config:
                await _probe.CheckAsync(open, config);
                break;
            case HealthStatus.Healthy or HealthStatus.Unknown:
                await AttemptAsync(cancellationToken);
                break;
            case HealthStatus.Disconnected or HealthStatus.CircuitOpen:
                if (_breaker.CheckDowntime() is { } disabled)
                {
                    _writer.Record(disabled);
                }
                else if (_breaker.IsAttemptDue)
                {
                    await AttemptAsync(cancellationToken);
                }
                break;
        }
        _schedule.NextStep(immediately: false);
    }

    /// <summary>Connects (the first connect, a recovery attempt, a half-open probe), then arms the next step.</summary>
    private async Task AttemptAsync(CancellationToken cancellationToken)
    {
        if (Config is { } config)
        {
            await _probe.ConnectAsync(config, this.AsReference<IMcpServerGrain>(), cancellationToken);
            _schedule.NextStep(immediately: false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: configuration changed, reconnecting")]
    private partial void LogReconfigured(string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: retired ({Reason})")]
    private partial void LogRetired(string server, RetireReason reason);
}
