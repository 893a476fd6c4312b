using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.Grains.Pinning;

/// <summary>What one review of a presented tool list decided.</summary>
/// <param name="Served">The tools to list and call: all presented ones, less those withheld.</param>
/// <param name="Changed">Pins to save: first seen, newly pending, or reverted to their approved definition.</param>
/// <param name="Announced">Pins whose server presented a changed definition not announced before: each is told once.</param>
/// <param name="Trusted">Tools first seen now, trusted as presented.</param>
/// <param name="Reverted">Tools that were pending and are presented as approved again.</param>
public sealed record PinReview(
    ImmutableArray<McpToolInfo> Served, IReadOnlyList<ToolPin> Changed, IReadOnlyList<ToolPin> Announced, IReadOnlyList<string> Trusted, IReadOnlyList<string> Reverted);

/// <summary>
/// The pins of one server's tools and the rule that judges what the server presents, with no I/O:
/// a tool first seen is trusted as it is; one presented as approved is served; one presented
/// otherwise becomes pending (announced once per distinct definition) and, under
/// <see cref="ToolPinningMode.Enforce"/>, is withheld until <see cref="Approve"/>. Pins of tools
/// the server stops presenting are kept, so one that comes back unchanged needs no approval.
/// </summary>
public sealed class ToolPinBook(ToolPinningMode mode)
{
    /// <summary>
    /// A pin's texts, one copy per silo: the same tool of many servers pins the same definition, and its
    /// canonical JSON and digest were most of a server's memory.
    /// </summary>
    private static readonly WeakPool<string> Texts = new(StringComparer.Ordinal);

    private readonly Dictionary<string, ToolPin> _pins = new(StringComparer.Ordinal);
    private ImmutableArray<McpToolInfo> _presented = [];

    public ToolPinningMode Mode => mode;

    public void Load(IEnumerable<ToolPin> pins)
    {
        foreach (var pin in pins)
        {
            Keep(pin);
        }
    }

    public PinReview Review(ImmutableArray<McpToolInfo> presented, DateTimeOffset now)
    {
        _presented = presented;
        if (mode is ToolPinningMode.Off)
        {
            return new PinReview(presented, [], [], [], []);
        }
        var changed = new List<ToolPin>();
        var announced = new List<ToolPin>();
        var trusted = new List<string>();
        var reverted = new List<string>();
        foreach (var tool in presented)
        {
            var definition = ToolDefinition.Of(tool);
            ToolPin? next = null;
            if (!_pins.TryGetValue(tool.Name, out var pin))
            {
                next = ToolPin.FirstSeen(tool.Name, definition, now);
                trusted.Add(tool.Name);
            }
            else if (pin.ApprovedDigest == definition.Digest)
            {
                if (pin.IsPending)
                {
                    next = pin.Reverted();
                    reverted.Add(tool.Name);
                }
            }
            else if (pin.PendingDigest != definition.Digest)
            {
                next = pin.Changed(definition, now);
                announced.Add(next);
            }
            if (next is not null)
            {
                changed.Add(Keep(next));
            }
        }
        return new PinReview(Served(), changed, announced, trusted, reverted);
    }

    /// <summary>The tools to list and call, from what the server presented last.</summary>
    public ImmutableArray<McpToolInfo> Served() =>
        mode is ToolPinningMode.Enforce ? [.. _presented.Where(t => !IsWithheld(t.Name))] : _presented;

    /// <summary>Whether calls to <paramref name="tool"/> are refused: enforced, presented, and its definition pending.</summary>
    public bool IsWithheld(string tool) =>
        mode is ToolPinningMode.Enforce && _pins.TryGetValue(tool, out var pin) && pin.IsPending && _presented.Any(t => t.Name == tool);

    /// <summary>
    /// Approves the pending definitions of <paramref name="tools"/>, all or none: the names of those
    /// that are not pending (nothing changed then), or the approved pins to save.
    /// </summary>
    public (IReadOnlyList<string> NotPending, IReadOnlyList<ToolPin> Approved) Approve(IEnumerable<string> tools, DateTimeOffset now)
    {
        var names = tools.Distinct(StringComparer.Ordinal).ToList();
        var notPending = names.Where(n => !_pins.TryGetValue(n, out var pin) || !pin.IsPending).ToList();
        if (notPending.Count > 0)
        {
            return (notPending, []);
        }
        var approved = names.Select(n => Keep(_pins[n].Approved(now))).ToList();
        return ([], approved);
    }

    /// <summary>Every tool presented, and every pending one the server no longer presents, with its pin.</summary>
    public ImmutableArray<ToolPinView> Describe()
    {
        var presented = _presented.Select(tool => _pins.TryGetValue(tool.Name, out var pin) && mode is not ToolPinningMode.Off
            ? View(pin)
            : new ToolPinView(tool.Name, ToolPinState.Unpinned, null, ToolDefinition.Of(tool).Json, null));
        var absent = _pins.Values.Where(p => p.IsPending && mode is not ToolPinningMode.Off && !_presented.Any(t => t.Name == p.Tool)).Select(View);
        return [.. presented.Concat(absent).OrderBy(v => v.Tool, StringComparer.Ordinal)];
    }

    /// <summary>Holds <paramref name="pin"/> as its tool's pin, its texts shared; returns what it holds.</summary>
    private ToolPin Keep(ToolPin pin) => _pins[pin.Tool] = pin with
    {
        Tool = Texts.Share(pin.Tool),
        ApprovedDigest = Texts.Share(pin.ApprovedDigest),
        ApprovedDefinition = Texts.Share(pin.ApprovedDefinition),
        PendingDigest = pin.PendingDigest is { } digest ? Texts.Share(digest) : null,
        PendingDefinition = pin.PendingDefinition is { } definition ? Texts.Share(definition) : null,
    };

    private static ToolPinView View(ToolPin pin) => pin.IsPending
        ? new ToolPinView(pin.Tool, ToolPinState.Pending, pin.ApprovedDefinition, pin.PendingDefinition, pin.ChangedAt)
        : new ToolPinView(pin.Tool, ToolPinState.Approved, pin.ApprovedDefinition, null, null);
}
