using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Host.Auth;

namespace Omni2.Host.Catalog;

/// <summary>
/// A server in listings: a server's status fields (snake_case on the wire). <see cref="Silo"/>, an
/// internal address, only for those <see cref="Roles.MaySeeSilos"/>; <see cref="ToolCount"/> counts
/// the tools the recipient may use.
/// </summary>
public sealed record ServerView(
    string Name,
    string Transport,
    bool Enabled,
    string HealthStatus,
    string CircuitState,
    int ConsecutiveFailures,
    DateTimeOffset? LastCheckAt,
    string? LastError,
    int? RecoveryEtaSeconds,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastRecoveryAttempt,
    int TotalDowntimeSeconds,
    int ToolCount,
    long Version,
    string? Silo)
{
    public static ServerView From(McpServerInfo server, McpServerStatus status, ImmutableArray<McpToolInfo> tools, DateTimeOffset now, IReadOnlyCollection<string> roles) => new(
        server.Name,
        server.Transport.ToWire(),
        server.Enabled,
        status.Status.ToWire(),
        status.Circuit.ToWire(),
        status.ConsecutiveFailures,
        status.LastCheckAt,
        status.LastError,
        status.NextAttemptAt is { } next ? (int)Math.Ceiling(Math.Max(0, (next - now).TotalSeconds)) : null,
        status.NextAttemptAt,
        status.LastRecoveryAttempt,
        status.TotalDowntimeSeconds,
        server.ToolRoles is { Count: > 0 } ? tools.Count(t => Roles.MayUse(roles, server, t.Name)) : status.ToolCount,
        status.Version,
        Roles.MaySeeSilos(roles) ? status.Silo : null);
}
