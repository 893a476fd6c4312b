using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Grains.Feed;
using Omni2.Grains.Health;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Servers;

/// <summary>
/// The write path of one server, in the order that keeps its status true under faults: memory,
/// then the status feed (every silo's catalog, the hub and <c>/mcp</c> see the change at once,
/// whether or not the database answers), then the durable part, which <see cref="StatusPersistence"/>
/// writes off the grain's turn and retries until the database takes it. Also builds what each step
/// carries: the status, the feed event and the log row.
/// </summary>
public sealed partial class ServerStatusWriter
{
    private readonly string _name;
    private readonly string _silo;
    private readonly IPersistentState<McpServerState> _state;
    private readonly CircuitBreaker _breaker;
    private readonly WriterServices _services;
    private readonly ILogger _logger;
    private readonly StatusPersistence _durable;

    public ServerStatusWriter(string name, string silo, IPersistentState<McpServerState> state, CircuitBreaker breaker, WriterServices services, ILogger logger)
    {
        _name = name;
        _silo = silo;
        _state = state;
        _breaker = breaker;
        _services = services;
        _logger = logger;
        _durable = new StatusPersistence(name, state, Status, services, logger);
    }

    /// <summary>The server's status as this grain knows it now.</summary>
    public McpServerStatus Status()
    {
        var current = _breaker.State;
        return new McpServerStatus
        {
            Name = _name,
            Status = current.Status,
            Circuit = current.Circuit,
            ConsecutiveFailures = current.ConsecutiveFailures,
            LastCheckAt = _state.State.LastCheckAt,
            LastError = _state.State.LastError,
            LastRecoveryAttempt = current.LastRecoveryAttempt,
            TotalDowntimeSeconds = current.DownSince is { } down ? (int)(_services.Time.GetUtcNow() - down).TotalSeconds : 0,
            NextAttemptAt = current.NextAttemptAt,
            ToolCount = _state.State.Tools.Length,
            Version = _state.State.Version,
            Silo = _silo,
            DownSince = current.DownSince,
            BackoffStep = current.BackoffStep,
            RecoveryAttempts = current.Attempts,
        };
    }

    /// <summary>A transition the breaker decided, with the tools it found if they changed: one log row, one event.</summary>
    public void Transition(BreakerTransition transition, ImmutableArray<McpToolInfo>? tools = null)
    {
        var toolsChanged = tools is { } listed && !listed.SequenceEqual(_state.State.Tools);
        if (toolsChanged)
        {
            _state.State.Tools = SharedToolLists.Share(tools!.Value);
        }
        Change();
        var message = NewEvent(MessageType(transition.Event), transition, transition.Reason) with { EventId = Guid.NewGuid() };
        _state.State.PendingLog.Add(HealthLogEntry.Of(message)!);
        _services.Metrics.Transition(transition.Event);
        LogTransition(_name, transition.Event.ToWire(), transition.OldStatus.ToWire(), transition.NewStatus.ToWire(), transition.Reason, transition.Attempt);
        _services.Publisher.Publish(message);
        if (toolsChanged)
        {
            PublishTools();
        }
        if (transition.Event is HealthEventType.Disconnected or HealthEventType.AutoDisabled)
        {
            _services.Grains.GetGrain<IAlertGrain>(GrainKeys.Alerts).ReportFailureAsync(_name, transition.Event, transition.Reason).Ignore();
        }
        _durable.RequestWrite();
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
        _durable.RequestWrite();
    }

    /// <summary>A connect (or recovery attempt) succeeded and listed <paramref name="tools"/>.</summary>
    public void Connected(BreakerTransition? transition, ImmutableArray<McpToolInfo> tools)
    {
        _state.State.LastError = null;
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
        _state.State.LastCheckAt = _services.Time.GetUtcNow();
        _state.State.LastError = error;
        Record(transition);
    }

    /// <summary>The server listed other tools than before (published even while the database is down).</summary>
    public void ToolsChanged(ImmutableArray<McpToolInfo> tools)
    {
        // The silo's shared copy (see SharedToolLists), whatever produced this one: the reader, or pinning's review.
        tools = SharedToolLists.Share(tools);
        if (tools.SequenceEqual(_state.State.Tools))
        {
            _state.State.Tools = tools;
            return;
        }
        _state.State.Tools = tools;
        Change();
        PublishTools();
        _durable.RequestWrite();
    }

    /// <summary>
    /// The server listed other prompts, resources or templates than before: published for every catalog,
    /// then written with the status, so a silo that starts later loads them with the tools.
    /// </summary>
    public void ListingsChanged(McpServerListings listings)
    {
        if (listings.SameAs(_state.State.Listings))
        {
            return;
        }
        _state.State.Listings = listings;
        Change();
        _services.Publisher.Publish(NewEvent(StatusMessageTypes.ListingsChanged, null,
            $"{listings.Prompts.Length} prompts, {listings.Resources.Length} resources, {listings.ResourceTemplates.Length} templates") with { Listings = listings });
        _durable.RequestWrite();
    }

    /// <summary>The registry applied a changed row.</summary>
    public void ConfigChanged(McpServerConfig config)
    {
        _state.State.Config = config;
        Change();
        _services.Publisher.Publish(NewEvent(StatusMessageTypes.ServerUpdated, null, "configuration changed"));
        _durable.RequestWrite();
    }

    /// <summary>A successful check: the live last check travels in batches, and is no reason to write the grain state.</summary>
    public void Checked()
    {
        var now = _services.Time.GetUtcNow();
        _state.State.LastCheckAt = now;
        _services.Checks.Record(new ServerCheck(_name, now, _silo));
    }

    /// <summary>The server was deleted: every silo forgets it, then its grain state goes.</summary>
    public async Task RemovedAsync()
    {
        _services.Publisher.Publish(new McpStatusEvent
        {
            Type = StatusMessageTypes.ServerRemoved,
            Timestamp = _services.Time.GetUtcNow(),
            McpName = _name,
            OldStatus = _breaker.State.Status,
            NewStatus = _breaker.State.Status,
            Reason = "deleted from configuration",
        });
        await _durable.ClearAsync();
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
            LogCaughtUp(_name, missed.Latest.Version, missed.Transitions.Count);
        }
        if (missed is not null || _state.State.PendingLog.Count > 0)
        {
            _durable.RequestWrite();
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
        _ = await _durable.WrittenWithinAsync(bound);
    }

    /// <summary>An admin action's answer: the status once its rows are written, or after <paramref name="bound"/> anyway.</summary>
    public async Task<McpServerStatus> StatusWhenWrittenAsync(TimeSpan bound)
    {
        await WhenWrittenAsync(bound);
        return Status();
    }

    /// <summary>On deactivation: lets a write in flight (or one last attempt) finish, within <paramref name="bound"/>.</summary>
    public Task FlushAsync(TimeSpan bound) => _durable.FlushAsync(bound);

    private void Change()
    {
        _state.State.Breaker = _breaker.State;
        _state.State.Version++;
    }

    private void PublishTools() =>
        _services.Publisher.Publish(NewEvent(StatusMessageTypes.ToolsChanged, null, $"{_state.State.Tools.Length} tools") with { Tools = _state.State.Tools });

    private McpStatusEvent NewEvent(string type, BreakerTransition? transition, string? reason) => new()
    {
        Type = type,
        Timestamp = _services.Time.GetUtcNow(),
        McpName = _name,
        OldStatus = transition?.OldStatus ?? _breaker.State.Status,
        NewStatus = transition?.NewStatus ?? _breaker.State.Status,
        Reason = reason,
        RecoveryEta = _breaker.RecoveryEta,
        Event = transition?.Event,
        Attempt = transition?.Attempt ?? 0,
        Status = Status(),
        // Every message says who may see the server, so any silo can route it without a lookup.
        Server = _state.State.Config?.ToInfo(),
    };

    private static string MessageType(HealthEventType type) => type switch
    {
        HealthEventType.CircuitOpened => StatusMessageTypes.CircuitOpened,
        HealthEventType.RecoveryAttempt => StatusMessageTypes.RecoveryProgress,
        _ => StatusMessageTypes.StatusChange,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: {Event} ({OldStatus} -> {NewStatus}): {Reason} [attempt {Attempt}]")]
    private partial void LogTransition(string server, string @event, string oldStatus, string newStatus, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: storage was behind the status feed; resumed at version {Version}, writing {Rows} health-log rows an earlier activation could not")]
    private partial void LogCaughtUp(string server, long version, int rows);
}
