using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Grains.Feed;
using Omni2.Grains.Health;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;
using Orleans.Storage;

namespace Omni2.Grains.Servers;

/// <summary>
/// The write path of one server, in the order that keeps its status true under faults: memory,
/// then the status feed (every silo's catalog, the hub and <c>/mcp</c> see the change at once,
/// whether or not the database answers), then the durable part, off the grain's turn: the grain
/// state (whose <see cref="McpServerState.PendingLog"/> is the outbox), then the row's status
/// columns with one health-log row per transition. A failed write is retried with backoff until
/// the database takes it; it never fails the caller and never changes the server's health.
/// Also builds what each step carries: the status, the feed event and the log row.
/// </summary>
public sealed partial class ServerStatusWriter(
    string name,
    string silo,
    IPersistentState<McpServerState> state,
    CircuitBreaker breaker,
    WriterServices services,
    ILogger logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);
    private Task _writing = Task.CompletedTask;
    private bool _dirty;
    private bool _stopped;

    /// <summary>The server's status as this grain knows it now.</summary>
    public McpServerStatus Status()
    {
        var current = breaker.State;
        return new McpServerStatus
        {
            Name = name,
            Status = current.Status,
            Circuit = current.Circuit,
            ConsecutiveFailures = current.ConsecutiveFailures,
            LastCheckAt = state.State.LastCheckAt,
            LastError = state.State.LastError,
            LastRecoveryAttempt = current.LastRecoveryAttempt,
            TotalDowntimeSeconds = current.DownSince is { } down ? (int)(services.Time.GetUtcNow() - down).TotalSeconds : 0,
            NextAttemptAt = current.NextAttemptAt,
            ToolCount = state.State.Tools.Length,
            Version = state.State.Version,
            Silo = silo,
            DownSince = current.DownSince,
            BackoffStep = current.BackoffStep,
            RecoveryAttempts = current.Attempts,
        };
    }

    /// <summary>A transition the breaker decided, with the tools it found if they changed: one log row, one event.</summary>
    public void Transition(BreakerTransition transition, ImmutableArray<McpToolInfo>? tools = null)
    {
        var toolsChanged = tools is { } listed && !listed.SequenceEqual(state.State.Tools);
        if (toolsChanged)
        {
            state.State.Tools = SharedToolLists.Share(tools!.Value);
        }
        Change();
        var message = NewEvent(MessageType(transition.Event), transition, transition.Reason) with { EventId = Guid.NewGuid() };
        state.State.PendingLog.Add(HealthLogEntry.Of(message)!);
        services.Metrics.Transition(transition.Event);
        LogTransition(name, transition.Event.ToWire(), transition.OldStatus.ToWire(), transition.NewStatus.ToWire(), transition.Reason, transition.Attempt);
        services.Publisher.Publish(message);
        if (toolsChanged)
        {
            PublishTools();
        }
        if (transition.Event is HealthEventType.Disconnected or HealthEventType.AutoDisabled)
        {
            services.Grains.GetGrain<IAlertGrain>(GrainKeys.Alerts).ReportFailureAsync(name, transition.Event, transition.Reason).Ignore();
        }
        RequestWrite();
    }

    /// <summary>
    /// What the breaker decided: a transition, or a change that is none (e.g. a reset of a
    /// disconnected server's counters), which is written but not announced.
    /// </summary>
    public void Record(BreakerTransition? transition)
    {
        if (transition is not null)
        {
            Transition(transition);
            return;
        }
        Change();
        RequestWrite();
    }

    /// <summary>A connect (or recovery attempt) succeeded and listed <paramref name="tools"/>.</summary>
    public void Connected(BreakerTransition? transition, ImmutableArray<McpToolInfo> tools)
    {
        state.State.LastError = null;
        Checked();
        if (transition is not null)
        {
            Transition(transition, tools);
        }
        else
        {
            ToolsChanged(tools);
        }
    }

    /// <summary>A check or connect failed with <paramref name="error"/>, and the breaker decided <paramref name="transition"/>.</summary>
    public void Failed(string error, BreakerTransition? transition)
    {
        state.State.LastCheckAt = services.Time.GetUtcNow();
        state.State.LastError = error;
        Record(transition);
    }

    /// <summary>The server listed other tools than before (published even while the database is down).</summary>
    public void ToolsChanged(ImmutableArray<McpToolInfo> tools)
    {
        // The silo's shared copy (see SharedToolLists), whatever produced this one: the reader, or pinning's review.
        tools = SharedToolLists.Share(tools);
        if (tools.SequenceEqual(state.State.Tools))
        {
            state.State.Tools = tools;
            return;
        }
        state.State.Tools = tools;
        Change();
        PublishTools();
        RequestWrite();
    }

    /// <summary>
    /// The server listed other prompts, resources or templates than before: published for every catalog,
    /// then written with the status, so a silo that starts later loads them with the tools.
    /// </summary>
    public void ListingsChanged(McpServerListings listings)
    {
        if (listings.SameAs(state.State.Listings))
        {
            return;
        }
        state.State.Listings = listings;
        Change();
        services.Publisher.Publish(NewEvent(StatusMessageTypes.ListingsChanged, null,
            $"{listings.Prompts.Length} prompts, {listings.Resources.Length} resources, {listings.ResourceTemplates.Length} templates") with { Listings = listings });
        RequestWrite();
    }

    /// <summary>The registry applied a changed row.</summary>
    public void ConfigChanged(McpServerConfig config)
    {
        state.State.Config = config;
        Change();
        services.Publisher.Publish(NewEvent(StatusMessageTypes.ServerUpdated, null, "configuration changed"));
        RequestWrite();
    }

    /// <summary>A successful check: the live last check travels in batches, and is no reason to write the grain state.</summary>
    public void Checked()
    {
        var now = services.Time.GetUtcNow();
        state.State.LastCheckAt = now;
        services.Checks.Record(new ServerCheck(name, now, silo));
    }

    /// <summary>The server was deleted: every silo forgets it, then its grain state goes.</summary>
    public async Task RemovedAsync()
    {
        services.Publisher.Publish(new McpStatusEvent
        {
            Type = StatusMessageTypes.ServerRemoved,
            Timestamp = services.Time.GetUtcNow(),
            McpName = name,
            OldStatus = breaker.State.Status,
            NewStatus = breaker.State.Status,
            Reason = "deleted from configuration",
        });
        _stopped = true;
        await _writing;
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception ex)
        {
            LogClearFailed(ex, name);
        }
    }

    /// <summary>
    /// Resumes what an earlier activation left unwritten: its outbox (it died between the two
    /// writes), and what the feed carried that storage never got (<paramref name="missed"/>,
    /// already applied to the state).
    /// </summary>
    public void ResumePending(MissedChanges? missed)
    {
        if (missed is not null)
        {
            LogCaughtUp(name, missed.Latest.Version, missed.Transitions.Count);
        }
        if (missed is not null || state.State.PendingLog.Count > 0)
        {
            RequestWrite();
        }
    }

    /// <summary>
    /// Waits, at most <paramref name="bound"/>, until every change so far is in the database: an
    /// admin who acted reads their own write while the database answers, and gets an answer anyway
    /// while it does not.
    /// </summary>
    public async Task WhenWrittenAsync(TimeSpan bound)
    {
        // Still retrying after that: the status is already true in memory and on the feed.
        _ = await WritesDoneWithinAsync(bound);
    }

    /// <summary>An admin action's answer: the status once its rows are written, or after <paramref name="bound"/> anyway.</summary>
    public async Task<McpServerStatus> StatusWhenWrittenAsync(TimeSpan bound)
    {
        await WhenWrittenAsync(bound);
        return Status();
    }

    /// <summary>On deactivation: lets a write in flight (or one last attempt) finish, within <paramref name="bound"/>.</summary>
    public async Task FlushAsync(TimeSpan bound)
    {
        if (_dirty && _writing.IsCompleted)
        {
            RequestWrite();
        }
        _stopped = true;
        if (!await WritesDoneWithinAsync(bound))
        {
            LogAbandoned(name, state.State.PendingLog.Count);
        }
    }

    private async Task<bool> WritesDoneWithinAsync(TimeSpan bound)
    {
        try
        {
            await _writing.WaitAsync(bound);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Change()
    {
        state.State.Breaker = breaker.State;
        state.State.Version++;
    }

    private void PublishTools() =>
        services.Publisher.Publish(NewEvent(StatusMessageTypes.ToolsChanged, null, $"{state.State.Tools.Length} tools") with { Tools = state.State.Tools });

    /// <summary>Starts the write loop unless it runs; it runs on the grain's scheduler, between the grain's turns.</summary>
    private void RequestWrite()
    {
        _dirty = true;
        if (_writing.IsCompleted && !_stopped)
        {
            _writing = WriteLoopAsync();
        }
    }

    private async Task WriteLoopAsync()
    {
        var retry = FirstRetry;
        var failing = false;
        while (_dirty)
        {
            _dirty = false;
            try
            {
                await WriteOnceAsync();
                if (failing)
                {
                    LogWriteRecovered(name);
                }
                failing = false;
                retry = FirstRetry;
            }
            catch (Exception ex)
            {
                _dirty = true;
                if (_stopped)
                {
                    return;
                }
                if (!failing)
                {
                    LogWriteFailed(name, state.State.PendingLog.Count, ex.Message);
                }
                failing = true;
                services.Metrics.StatusWriteRetried();
                await Task.Delay(retry, services.Time);
                retry = retry * 2 > MaxRetry ? MaxRetry : retry * 2;
            }
        }
    }

    private async Task WriteOnceAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // An earlier write reached the database although it reported a failure: take the new
            // ETag, keep this activation's state (it is the newest), and write again.
            var current = state.State;
            await state.ReadStateAsync();
            state.State = current;
            await state.WriteStateAsync();
        }
        var entries = state.State.PendingLog.ToList();
        await services.Projection.WriteAsync(Status(), state.State.Tools, state.State.Listings, entries);
        // Cleared in memory only: persisted with the next write. A replay after a crash is harmless,
        // the health log skips event ids it already has. Rows queued during the write stay.
        state.State.PendingLog.RemoveRange(0, entries.Count);
    }

    private McpStatusEvent NewEvent(string type, BreakerTransition? transition, string? reason) => new()
    {
        Type = type,
        Timestamp = services.Time.GetUtcNow(),
        McpName = name,
        OldStatus = transition?.OldStatus ?? breaker.State.Status,
        NewStatus = transition?.NewStatus ?? breaker.State.Status,
        Reason = reason,
        RecoveryEta = breaker.RecoveryEta,
        Event = transition?.Event,
        Attempt = transition?.Attempt ?? 0,
        Status = Status(),
        // Every message says who may see the server, so any silo can route it without a lookup.
        Server = state.State.Config?.ToInfo(),
    };

    private static string MessageType(HealthEventType type) => type switch
    {
        HealthEventType.CircuitOpened => StatusMessageTypes.CircuitOpened,
        HealthEventType.RecoveryAttempt => StatusMessageTypes.RecoveryProgress,
        _ => StatusMessageTypes.StatusChange,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: {Event} ({OldStatus} -> {NewStatus}): {Reason} [attempt {Attempt}]")]
    private partial void LogTransition(string server, string @event, string oldStatus, string newStatus, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: writing status to the database failed; {Pending} health-log rows stay queued and are retried with backoff: {Error}")]
    private partial void LogWriteFailed(string server, int pending, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: status written to the database again")]
    private partial void LogWriteRecovered(string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: deactivated with {Pending} health-log rows not yet written")]
    private partial void LogAbandoned(string server, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: storage was behind the status feed; resumed at version {Version}, writing {Rows} health-log rows an earlier activation could not")]
    private partial void LogCaughtUp(string server, long version, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: clearing its grain state failed")]
    private partial void LogClearFailed(Exception exception, string server);
}

/// <summary>The silo's services every <see cref="ServerStatusWriter"/> writes through.</summary>
public sealed record WriterServices(
    IStatusProjection Projection,
    StatusPublisher Publisher,
    CheckRecorder Checks,
    FeedHistory History,
    IGrainFactory Grains,
    Omni2Metrics Metrics,
    TimeProvider Time);
