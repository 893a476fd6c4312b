using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using Omni2.Contracts;
using Omni2.Grains.Health;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;
using Orleans.Streams;

namespace Omni2.Grains.Servers;

/// <summary>
/// The single owner of one MCP server. A reminder drives the health check; a timer drives the
/// first connect and every recovery attempt; the <see cref="CircuitBreaker"/> decides transitions.
/// Every transition is persisted (grain state), projected (status columns + one health-log row)
/// and published on the status stream. Tool calls interleave with everything (see the interface).
/// </summary>
public sealed partial class McpServerGrain(
    [PersistentState("server", StorageNames.Grains)] IPersistentState<McpServerState> state,
    IServerConfigSource configs,
    IStatusProjection projection,
    IOptions<HealthOptions> healthOptions,
    TimeProvider time,
    Omni2Metrics metrics,
    McpHttp http,
    ILoggerFactory loggerFactory,
    ILogger<McpServerGrain> logger) : Grain, IMcpServerGrain, IRemindable
{
    private const string HealthReminder = "health-check";

    private CircuitBreaker _breaker = null!;
    private IAsyncStream<McpStatusEvent> _stream = null!;
    private McpConnection? _connection;
    // Random per activation: a report about a connection of an earlier activation (one that closed
    // when its silo shut down) can never match a connection of this one.
    private long _generation = Random.Shared.NextInt64();
    private IGrainTimer? _stepTimer;
    // Completes when the current connect attempt ends; calls that find a healthy server still
    // connecting (just activated, e.g. after a silo handed it over) wait for it instead of failing.
    private TaskCompletionSource _attempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string Name => this.GetPrimaryKeyString();

    private McpServerConfig? Config => state.State.Config;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _breaker = new CircuitBreaker(healthOptions.Value, time, state.State.Breaker);
        _stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<McpStatusEvent>(StreamId.Create(StreamNames.StatusNamespace, StreamNames.StatusKey));

        var config = await LoadConfigAsync(cancellationToken);
        if (config is null)
        {
            // Not (or no longer) configured, e.g. woken by a leftover reminder: stay idle until collected.
            await UnregisterHealthReminderAsync();
            return;
        }
        state.State.Config = config;
        if (state.State.PendingLog.Count > 0)
        {
            await FlushProjectionAsync();
        }
        if (!config.Enabled)
        {
            // Retired as disabled: quiet until the registry enables it again.
            await UnregisterHealthReminderAsync();
            return;
        }
        await this.RegisterOrUpdateReminder(HealthReminder, config.HealthCheckInterval, config.HealthCheckInterval);
        ScheduleNextStep(immediately: _breaker.State.Status is HealthStatus.Unknown or HealthStatus.Healthy);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stepTimer?.Dispose();
        await DropConnectionAsync();
    }

    public async Task ApplyConfigAsync(McpServerConfig config)
    {
        var previous = Config;
        if (previous is not null && previous.Fingerprint() == config.Fingerprint())
        {
            return;
        }
        state.State.Config = config;
        state.State.Version++;
        await state.WriteStateAsync();
        await PublishAsync(NewEvent(StatusMessageTypes.ServerUpdated, null, "configuration changed") with { Server = config.ToInfo() });
        if (previous?.HealthCheckInterval != config.HealthCheckInterval || previous?.Enabled != true)
        {
            await this.RegisterOrUpdateReminder(HealthReminder, config.HealthCheckInterval, config.HealthCheckInterval);
        }
        if (previous is not null && ReachabilityChanged(previous, config) && _breaker.State.Status is not HealthStatus.Disabled)
        {
            LogReconfigured(Name);
            await DropConnectionAsync();
            await AttemptAsync();
        }
    }

    public async Task RetireAsync(RetireReason reason)
    {
        _stepTimer?.Dispose();
        _stepTimer = null;
        await DropConnectionAsync();
        if (reason is RetireReason.Disabled)
        {
            // Kept (as disabled) so that enabling the row again is recorded as manually_enabled.
            await ApplyAsync(_breaker.Disable("disabled in configuration"));
        }
        else
        {
            await PublishAsync(new McpStatusEvent
            {
                Type = StatusMessageTypes.ServerRemoved,
                Timestamp = time.GetUtcNow(),
                McpName = Name,
                OldStatus = _breaker.State.Status,
                NewStatus = _breaker.State.Status,
                Reason = "deleted from configuration",
            });
            await state.ClearStateAsync();
        }
        await UnregisterHealthReminderAsync();
        LogRetired(Name, reason);
        DeactivateOnIdle();
    }

    public Task<McpServerStatus> GetStatusAsync() => Task.FromResult(BuildStatus());

    public Task<McpServerSnapshot> GetSnapshotAsync() => Task.FromResult(new McpServerSnapshot(BuildStatus(), state.State.Tools));

    public async Task<ToolCallResult> CallToolAsync(ToolCallRequest request)
    {
        var result = await CallAsync(request);
        metrics.ToolCall(result.DurationMs, result.Outcome);
        return result;
    }

    private async Task<ToolCallResult> CallAsync(ToolCallRequest request)
    {
        if (_connection is null && _breaker.State.Status is HealthStatus.Healthy or HealthStatus.Unknown && Config is { } connecting)
        {
            await _attempt.Task.WaitAsync(connecting.ConnectTimeout + connecting.CheckTimeout).ContinueWith(_ => { }, TaskScheduler.Current);
        }
        var connection = _connection;
        var config = Config;
        if (_breaker.State.Status is not HealthStatus.Healthy || connection is null || config is null)
        {
            return new ToolCallResult
            {
                Outcome = ToolCallOutcome.Unavailable,
                Detail = _breaker.State.Status is HealthStatus.Healthy
                    ? $"MCP server '{Name}' is reconnecting"
                    : $"MCP server '{Name}' is {_breaker.State.Status.ToWire()}",
                RetryAfter = _breaker.RecoveryEta,
            };
        }
        if (!state.State.Tools.Any(t => t.Name == request.Tool))
        {
            return Failed(ToolCallOutcome.UnknownTool, $"MCP server '{Name}' has no tool '{request.Tool}'");
        }
        if (!TryParseArguments(request.ArgumentsJson, out var arguments, out var argumentError))
        {
            return Failed(ToolCallOutcome.InvalidArguments, argumentError);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await connection.CallToolAsync(request.Tool, arguments, config.CallTimeout);
            return new ToolCallResult
            {
                Outcome = ToolCallOutcome.Completed,
                ContentJson = McpConnection.ToJson(result.Content),
                StructuredContentJson = result.StructuredContent?.GetRawText(),
                IsError = result.IsError ?? false,
                DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }
        catch (TimeoutException)
        {
            return Failed(ToolCallOutcome.Timeout, $"MCP server '{Name}' did not answer '{request.Tool}' within {config.CallTimeoutSeconds} s", started);
        }
        catch (McpProtocolException ex)
        {
            // The server answered with an error: it is alive, so this is no health failure.
            var outcome = ex.ErrorCode switch
            {
                McpErrorCode.InvalidParams => ToolCallOutcome.InvalidArguments,
                McpErrorCode.MethodNotFound => ToolCallOutcome.UnknownTool,
                _ => ToolCallOutcome.UpstreamFailure,
            };
            return Failed(outcome, $"MCP server '{Name}' rejected '{request.Tool}': {ex.Message}", started);
        }
        catch (Exception ex)
        {
            // Passive health: a transport failure counts as a failed check at once.
            this.AsReference<IMcpServerGrain>().ReportCallFailureAsync(connection.Generation, ex.Message).Ignore();
            return Failed(ToolCallOutcome.UpstreamFailure, $"MCP server '{Name}' failed during '{request.Tool}': {ex.Message}", started);
        }
    }

    public async Task<McpServerStatus> CheckNowAsync()
    {
        await StepAsync(CancellationToken.None);
        return BuildStatus();
    }

    public async Task<McpServerStatus> DisableAsync(string reason)
    {
        var transition = _breaker.Disable(reason);
        if (transition is not null)
        {
            await DropConnectionAsync();
            await ApplyAsync(transition);
        }
        return BuildStatus();
    }

    public async Task<McpServerStatus> EnableAsync()
    {
        var transition = _breaker.Enable();
        if (transition is not null)
        {
            await ApplyAsync(transition);
            if (Config is { } config)
            {
                await this.RegisterOrUpdateReminder(HealthReminder, config.HealthCheckInterval, config.HealthCheckInterval);
            }
            await AttemptAsync();
        }
        return BuildStatus();
    }

    public async Task<McpServerStatus> ResetCircuitAsync()
    {
        if (_breaker.State.IsFailing)
        {
            await ApplyAsync(_breaker.Reset());
            await AttemptAsync();
        }
        return BuildStatus();
    }

    public async Task ReportCallFailureAsync(long connection, string error)
    {
        if (connection != _generation || _connection is null || _breaker.State.Status is not HealthStatus.Healthy)
        {
            return; // Already handled: a report about an older connection, or the server is already down.
        }
        await FailConnectionAsync(error);
    }

    public async Task RefreshToolsAsync(long connection)
    {
        if (connection != _generation || _connection is null)
        {
            return;
        }
        try
        {
            var tools = await _connection.ListToolsAsync(Config!.CheckTimeout);
            await SaveToolsAsync(tools);
        }
        catch (Exception ex)
        {
            LogToolRefreshFailed(Name, ex.Message);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == HealthReminder)
        {
            metrics.HealthCheckLag(LagBehindSchedule(status));
            await StepAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// One step of the state machine: a health check when healthy, a connect when not checked yet,
    /// the due recovery attempt (or auto-disable) when failing, nothing when disabled.
    /// </summary>
    private async Task StepAsync(CancellationToken cancellationToken)
    {
        switch (_breaker.State.Status)
        {
            case HealthStatus.Healthy when _connection is not null:
                await CheckAsync();
                break;
            case HealthStatus.Healthy or HealthStatus.Unknown:
                await AttemptAsync();
                break;
            case HealthStatus.Disconnected or HealthStatus.CircuitOpen:
                if (_breaker.CheckDowntime() is { } disabled)
                {
                    await ApplyAsync(disabled);
                }
                else if (_breaker.IsAttemptDue)
                {
                    await AttemptAsync();
                }
                break;
        }
        ScheduleNextStep(immediately: false);
    }

    private async Task CheckAsync()
    {
        var connection = _connection!;
        var started = Stopwatch.GetTimestamp();
        ImmutableArray<McpToolInfo>? tools;
        try
        {
            tools = await connection.CheckAsync(Config!.CheckTimeout);
            state.State.LastCheckAt = time.GetUtcNow();
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: true);
        }
        catch (Exception ex)
        {
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: false);
            await FailConnectionAsync(ex is TimeoutException ? $"health check timed out after {Config!.CheckTimeoutSeconds} s" : ex.Message);
            return;
        }
        // A check that listed the tools also notices a changed list (stateless servers never announce one).
        if (tools is { } listed)
        {
            await SaveToolsAsync(listed);
        }
    }

    /// <summary>Connects and lists tools: the first connect, a recovery attempt or a half-open probe.</summary>
    private async Task AttemptAsync()
    {
        if (Config is not { } config)
        {
            return;
        }
        await DropConnectionAsync();
        if (_attempt.Task.IsCompleted)
        {
            _attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            await ConnectAsync(config);
        }
        finally
        {
            _attempt.TrySetResult();
        }
    }

    private async Task ConnectAsync(McpServerConfig config)
    {
        var generation = ++_generation;
        var started = Stopwatch.GetTimestamp();
        McpConnection? connection = null;
        try
        {
            var self = this.AsReference<IMcpServerGrain>();
            // Fire and forget: the SDK may not read further messages until a notification handler returns.
            connection = await McpConnection.OpenAsync(
                config, generation, () => { self.RefreshToolsAsync(generation).Ignore(); return Task.CompletedTask; }, http, loggerFactory);
            var tools = await connection.ListToolsAsync(config.CheckTimeout);
            _connection = connection;
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: true);
            WatchForClose(connection, self);
            state.State.LastCheckAt = time.GetUtcNow();
            state.State.LastError = null;
            if (_breaker.RecordSuccess() is { } transition)
            {
                var toolsChanged = !tools.SequenceEqual(state.State.Tools);
                state.State.Tools = tools;
                await ApplyAsync(transition);
                if (toolsChanged)
                {
                    await PublishToolsAsync();
                }
            }
            else
            {
                await SaveToolsAsync(tools);
            }
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            _connection = null;
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: false);
            await RecordFailureAsync(ex.Message);
        }
    }

    /// <summary>
    /// Reports a session that ends on its own, but not one this grain closed: that report would
    /// reactivate a grain whose silo is shutting down.
    /// </summary>
    private static void WatchForClose(McpConnection connection, IMcpServerGrain self) =>
        connection.Closed.ContinueWith(
            closed => connection.IsClosing ? Task.CompletedTask : self.ReportCallFailureAsync(connection.Generation, $"connection closed: {closed.Result}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap().Ignore();

    private async Task RecordFailureAsync(string error)
    {
        state.State.LastCheckAt = time.GetUtcNow();
        state.State.LastError = error;
        await ApplyAsync(_breaker.RecordFailure(error));
        ScheduleNextStep(immediately: false);
    }

    private async Task SaveToolsAsync(ImmutableArray<McpToolInfo> tools)
    {
        if (tools.SequenceEqual(state.State.Tools))
        {
            return;
        }
        state.State.Tools = tools;
        await ApplyAsync(null);
        await PublishToolsAsync();
    }

    private Task PublishToolsAsync() =>
        PublishAsync(NewEvent(StatusMessageTypes.ToolsChanged, null, $"{state.State.Tools.Length} tools") with { Tools = state.State.Tools });

    /// <summary>Persists a change: grain state first (with the log row in its outbox), then the projection, then the stream.</summary>
    private async Task ApplyAsync(BreakerTransition? transition)
    {
        state.State.Breaker = _breaker.State;
        state.State.Version++;
        if (transition is not null)
        {
            state.State.PendingLog.Add(NewLogEntry(transition));
        }
        await state.WriteStateAsync();
        if (transition is not null)
        {
            metrics.Transition(transition.Event);
            LogTransition(Name, transition.Event.ToWire(), transition.OldStatus.ToWire(), transition.NewStatus.ToWire(), transition.Reason, transition.Attempt);
        }
        await FlushProjectionAsync();
        if (transition is not null)
        {
            await PublishAsync(NewEvent(MessageType(transition.Event), transition, transition.Reason));
            if (transition.Event is HealthEventType.Disconnected or HealthEventType.AutoDisabled)
            {
                GrainFactory.GetGrain<IAlertGrain>(GrainKeys.Alerts).ReportFailureAsync(Name, transition.Event, transition.Reason).Ignore();
            }
        }
    }

    private async Task FlushProjectionAsync()
    {
        try
        {
            await projection.WriteAsync(BuildStatus(), state.State.Tools, state.State.PendingLog);
            // Cleared in memory only: persisted with the next write. A replay after a crash is
            // harmless, the health log skips event ids it already has.
            state.State.PendingLog.Clear();
        }
        catch (Exception ex)
        {
            LogProjectionFailed(ex, Name, state.State.PendingLog.Count);
        }
    }

    private async Task PublishAsync(McpStatusEvent message)
    {
        try
        {
            await _stream.OnNextAsync(message);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, Name, message.Type);
        }
    }

    private void ScheduleNextStep(bool immediately)
    {
        TimeSpan? due = immediately
            ? TimeSpan.Zero
            : _breaker.NextWakeAt is { } wake ? Max(wake - time.GetUtcNow(), TimeSpan.Zero) : null;
        if (due is null)
        {
            _stepTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        if (_stepTimer is null)
        {
            _stepTimer = this.RegisterGrainTimer(StepAsync, new GrainTimerCreationOptions(due.Value, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _stepTimer.Change(due.Value, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The live connection failed: the status changes first (in this turn, so an interleaved call
    /// never sees a healthy server without a connection), then the connection is closed.
    /// </summary>
    private async Task FailConnectionAsync(string error)
    {
        var failed = _connection;
        _connection = null;
        await RecordFailureAsync(error);
        await CloseAsync(failed);
    }

    private Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        return CloseAsync(connection);
    }

    private async Task CloseAsync(McpConnection? connection)
    {
        if (connection is not null)
        {
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception ex)
            {
                LogDisposeFailed(Name, ex.Message);
            }
        }
    }

    private async Task<McpServerConfig?> LoadConfigAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await configs.LoadAsync(Name, cancellationToken);
        }
        catch (Exception ex) when (state.State.Config is not null)
        {
            // The database may be down: the configuration saved with the state is good enough to run on.
            LogConfigLoadFailed(Name, ex.Message);
            return state.State.Config;
        }
    }

    private async Task UnregisterHealthReminderAsync()
    {
        if (await this.GetReminder(HealthReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private McpServerStatus BuildStatus()
    {
        var breaker = _breaker.State;
        var now = time.GetUtcNow();
        return new McpServerStatus
        {
            Name = Name,
            Status = breaker.Status,
            Circuit = breaker.Circuit,
            ConsecutiveFailures = breaker.ConsecutiveFailures,
            LastCheckAt = state.State.LastCheckAt,
            LastError = state.State.LastError,
            LastRecoveryAttempt = breaker.LastRecoveryAttempt,
            TotalDowntimeSeconds = breaker.DownSince is { } down ? (int)(now - down).TotalSeconds : 0,
            NextAttemptAt = breaker.NextAttemptAt,
            ToolCount = state.State.Tools.Length,
            Version = state.State.Version,
            Silo = RuntimeIdentity,
        };
    }

    private HealthLogEntry NewLogEntry(BreakerTransition transition) => new()
    {
        EventId = Guid.NewGuid(),
        ServerName = Name,
        EventType = transition.Event,
        OldStatus = transition.OldStatus,
        NewStatus = transition.NewStatus,
        Reason = transition.Reason,
        DetailsJson = JsonSerializer.Serialize(new
        {
            attempt = transition.Attempt,
            consecutive_failures = _breaker.State.ConsecutiveFailures,
            next_attempt_at = _breaker.State.NextAttemptAt,
            error = transition.NewStatus is HealthStatus.Healthy ? null : state.State.LastError,
        }),
        CreatedAt = time.GetUtcNow(),
    };

    private McpStatusEvent NewEvent(string type, BreakerTransition? transition, string? reason) => new()
    {
        Type = type,
        Timestamp = time.GetUtcNow(),
        McpName = Name,
        OldStatus = transition?.OldStatus ?? _breaker.State.Status,
        NewStatus = transition?.NewStatus ?? _breaker.State.Status,
        Reason = reason,
        RecoveryEta = _breaker.RecoveryEta,
        Event = transition?.Event,
        Attempt = transition?.Attempt ?? 0,
        Status = BuildStatus(),
        // Every message says who may see the server, so any silo can route it without a lookup.
        Server = Config?.ToInfo(),
    };

    private static string MessageType(HealthEventType type) => type switch
    {
        HealthEventType.CircuitOpened => StatusMessageTypes.CircuitOpened,
        HealthEventType.RecoveryAttempt => StatusMessageTypes.RecoveryProgress,
        _ => StatusMessageTypes.StatusChange,
    };

    private static bool ReachabilityChanged(McpServerConfig a, McpServerConfig b) =>
        a.Transport != b.Transport || a.Url != b.Url || a.Command != b.Command
        || !a.Args.SequenceEqual(b.Args)
        || !a.Env.OrderBy(p => p.Key).SequenceEqual(b.Env.OrderBy(p => p.Key))
        || !a.Headers.OrderBy(p => p.Key).SequenceEqual(b.Headers.OrderBy(p => p.Key))
        || a.ConnectTimeoutSeconds != b.ConnectTimeoutSeconds;

    private static bool TryParseArguments(string? json, out IReadOnlyDictionary<string, object?> arguments, out string error)
    {
        arguments = new Dictionary<string, object?>();
        error = "";
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind is JsonValueKind.Null)
            {
                return true;
            }
            if (document.RootElement.ValueKind is not JsonValueKind.Object)
            {
                error = $"arguments must be a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
                return false;
            }
            arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            return true;
        }
        catch (JsonException ex)
        {
            error = $"arguments are not valid JSON: {ex.Message}";
            return false;
        }
    }

    private static ToolCallResult Failed(ToolCallOutcome outcome, string detail, long? started = null) => new()
    {
        Outcome = outcome,
        Detail = detail,
        DurationMs = started is { } s ? Stopwatch.GetElapsedTime(s).TotalMilliseconds : 0,
    };

    /// <summary>How long after its scheduled time (the first tick plus whole periods) this tick runs.</summary>
    private TimeSpan LagBehindSchedule(TickStatus status)
    {
        var sinceFirst = time.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(status.FirstTickTime, DateTimeKind.Utc);
        return status.Period > TimeSpan.Zero && sinceFirst > TimeSpan.Zero
            ? TimeSpan.FromTicks(sinceFirst.Ticks % status.Period.Ticks)
            : TimeSpan.Zero;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: {Event} ({OldStatus} -> {NewStatus}): {Reason} [attempt {Attempt}]")]
    private partial void LogTransition(string server, string @event, string oldStatus, string newStatus, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: configuration changed, reconnecting")]
    private partial void LogReconfigured(string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: retired ({Reason})")]
    private partial void LogRetired(string server, RetireReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: writing status to the database failed; {Pending} health-log rows stay queued")]
    private partial void LogProjectionFailed(Exception exception, string server, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: publishing {Type} failed")]
    private partial void LogPublishFailed(Exception exception, string server, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: refreshing tools failed: {Error}")]
    private partial void LogToolRefreshFailed(string server, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP server {Server}: closing the connection failed: {Error}")]
    private partial void LogDisposeFailed(string server, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: loading configuration failed, using the saved one: {Error}")]
    private partial void LogConfigLoadFailed(string server, string error);
}
