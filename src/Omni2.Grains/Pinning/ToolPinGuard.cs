using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Alerts;
using Omni2.Grains.Feed;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Pinning;

/// <summary>The silo's services every <see cref="ToolPinGuard"/> works through.</summary>
public sealed record PinningServices(
    IToolPinStore Store, IOptions<ToolPinningOptions> Options, WebhookNotifier Webhooks, StatusPublisher Publisher, TimeProvider Time);

/// <summary>
/// One server's tool pins at work, in its grain (the one place that decides): loads them, has the
/// <see cref="ToolPinBook"/> judge every tool list the server presents before it is served, saves what
/// changed, and makes each changed definition known once: a structured log line, a
/// <c>tool_definition_changed</c> on the status feed (the hub sends it to admins only) and the admin webhooks.
/// A save that fails is logged and retried with the next list or approval; the decision holds meanwhile.
/// </summary>
public sealed partial class ToolPinGuard(string name, PinningServices services, ILogger logger)
{
    private readonly ToolPinBook _book = new(services.Options.Value.Pinning);
    // Only while something waits to be saved: most servers' pins are saved at once, and stay as they are.
    private Dictionary<string, ToolPin>? _unsaved;

    private ToolPinningMode Mode => _book.Mode;

    /// <summary>On activation; a failure fails the activation, as a grain state that cannot be read does.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Mode is not ToolPinningMode.Off)
        {
            _book.Load(await services.Store.LoadAsync(name, cancellationToken));
        }
    }

    /// <summary>
    /// The tools of <paramref name="presented"/> to serve, decided at once (no await: in the same grain
    /// turn as the list is published, so no interleaved call sees a connection whose tools are not yet
    /// judged). What changed is saved by the <see cref="SaveAsync"/> that follows.
    /// </summary>
    public ImmutableArray<McpToolInfo> Review(ImmutableArray<McpToolInfo> presented, McpServerConfig config)
    {
        // The book keeps what was presented: the silo's shared copy of that list, not the reader's own.
        var review = _book.Review(SharedToolLists.Share(presented), services.Time.GetUtcNow());
        if (review.Trusted.Count > 0)
        {
            LogTrusted(name, review.Trusted.Count, string.Join(", ", review.Trusted));
        }
        foreach (var tool in review.Reverted)
        {
            LogReverted(name, tool);
        }
        foreach (var pin in review.Announced)
        {
            Announce(pin, config);
        }
        Queue(review.Changed);
        return review.Served;
    }

    /// <summary>The answer to a call of a withheld tool; null when the call may go on. A hidden tool is never told apart from a missing one.</summary>
    public ToolCallResult? Refusal(ToolCallRequest request) => !request.Hidden && _book.IsWithheld(request.Tool)
        ? new ToolCallResult
        {
            Outcome = ToolCallOutcome.AwaitingApproval,
            Detail = $"The definition of tool '{request.Tool}' on MCP server '{name}' changed since it was approved; it awaits an admin's approval.",
        }
        : null;

    public ToolPinsSnapshot Snapshot() => new(Mode, _book.Describe());

    /// <summary>Approves <paramref name="tools"/> (all or none), and the tools to serve after it.</summary>
    public async Task<(ToolApproval Approval, ImmutableArray<McpToolInfo> Served)> ApproveAsync(ImmutableArray<string> tools, string approvedBy)
    {
        var (notPending, approved) = _book.Approve(tools, services.Time.GetUtcNow());
        foreach (var pin in approved)
        {
            LogApproved(name, pin.Tool, pin.ApprovedDigest, approvedBy);
        }
        Queue(approved);
        await SaveAsync();
        return (new ToolApproval([.. notPending], Snapshot()), _book.Served());
    }

    /// <summary>The server was deleted: the next registration under its name is trusted anew.</summary>
    public async Task ForgetAsync()
    {
        try
        {
            await services.Store.ForgetAsync(name);
        }
        catch (Exception ex)
        {
            LogForgetFailed(name, ex.Message);
        }
    }

    private void Announce(ToolPin pin, McpServerConfig config)
    {
        var enforced = Mode is ToolPinningMode.Enforce;
        LogChanged(name, pin.Tool, pin.ApprovedDigest, pin.PendingDigest!, enforced ? "withheld until an admin approves it" : "still served (Omni2:Tools:Pinning is warn)");
        var now = services.Time.GetUtcNow();
        var text = $"MCP server '{name}' presents a changed definition of tool '{pin.Tool}'; "
            + (enforced ? "it is withheld until an admin approves it." : "it is still served (pinning warns only).");
        services.Webhooks.Send(new AdminNotice(StatusMessageTypes.ToolDefinitionChanged, text, now, [name]));
        services.Publisher.Publish(new McpStatusEvent
        {
            Type = StatusMessageTypes.ToolDefinitionChanged,
            Timestamp = now,
            McpName = name,
            // A tool list comes only from a live connection: the server is (or is just becoming) healthy.
            OldStatus = HealthStatus.Healthy,
            NewStatus = HealthStatus.Healthy,
            Reason = text,
            Tool = pin.Tool,
            Server = config.ToInfo(),
        });
    }

    private void Queue(IReadOnlyList<ToolPin> pins)
    {
        foreach (var pin in pins)
        {
            (_unsaved ??= new(StringComparer.Ordinal))[pin.Tool] = pin;
        }
    }

    /// <summary>Saves what changed (and what an earlier save could not). Never throws: a failure is logged and retried next time.</summary>
    public async Task SaveAsync()
    {
        if (_unsaved is not { Count: > 0 } unsaved || Mode is ToolPinningMode.Off)
        {
            return;
        }
        var batch = unsaved.Values.ToList();
        try
        {
            await services.Store.SaveAsync(name, batch);
            foreach (var saved in batch.Where(p => unsaved.GetValueOrDefault(p.Tool) == p))
            {
                unsaved.Remove(saved.Tool);
            }
            if (unsaved.Count == 0 && ReferenceEquals(unsaved, _unsaved))
            {
                _unsaved = null;
            }
        }
        catch (Exception ex)
        {
            LogSaveFailed(name, batch.Count, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: trusted {Count} tools on first use: {Tools}")]
    private partial void LogTrusted(string server, int count, string tools);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: tool {Tool} presents a changed definition ({ApprovedDigest} approved, {PresentedDigest} presented); {Action}")]
    private partial void LogChanged(string server, string tool, string approvedDigest, string presentedDigest, string action);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: tool {Tool} presents its approved definition again; nothing awaits approval")]
    private partial void LogReverted(string server, string tool);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: tool {Tool}'s definition {Digest} approved by {User}")]
    private partial void LogApproved(string server, string tool, string digest, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: saving {Count} tool pins failed; retried with the next tool list or approval: {Error}")]
    private partial void LogSaveFailed(string server, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: deleting its tool pins failed: {Error}")]
    private partial void LogForgetFailed(string server, string error);
}
