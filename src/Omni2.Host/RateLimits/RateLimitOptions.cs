using Omni2.Contracts;
using Omni2.Host.Auth;

namespace Omni2.Host.RateLimits;

/// <summary>One role's limits, each in requests per <see cref="RateLimitOptions.Window"/>.</summary>
public sealed class RoleLimits
{
    public int ToolCalls { get; set; }
    public int Reads { get; set; }
    public int HubConnections { get; set; }

    public int For(RateLimitKind kind) => kind switch
    {
        RateLimitKind.ToolCalls => ToolCalls,
        RateLimitKind.Reads => Reads,
        _ => HubConnections,
    };
}

/// <summary>
/// Section <c>Omni2:RateLimits</c>: per-user limits by role, shared by every silo. A user has the
/// limits of their highest role (admin, then operator, then viewer).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Omni2:RateLimits";

    public bool Enabled { get; set; } = true;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Limits by role name; the defaults below unless configured.</summary>
    public Dictionary<string, RoleLimits> Roles { get; set; } = new(StringComparer.Ordinal)
    {
        [Auth.Roles.Viewer] = new() { ToolCalls = 60, Reads = 1_200, HubConnections = 30 },
        [Auth.Roles.Operator] = new() { ToolCalls = 600, Reads = 3_000, HubConnections = 60 },
        [Auth.Roles.Admin] = new() { ToolCalls = 1_200, Reads = 6_000, HubConnections = 120 },
    };

    /// <summary>The limit for a user with <paramref name="roles"/>: their highest role's; 0 when they have no known role.</summary>
    public int LimitFor(RateLimitKind kind, IReadOnlyCollection<string> roles)
    {
        for (var i = Auth.Roles.All.Length - 1; i >= 0; i--)
        {
            if (roles.Contains(Auth.Roles.All[i]) && Roles.TryGetValue(Auth.Roles.All[i], out var limits))
            {
                return limits.For(kind);
            }
        }
        return 0;
    }

    public bool IsValid() =>
        Window > TimeSpan.Zero
        && Auth.Roles.All.All(role => Roles.TryGetValue(role, out var l) && l.ToolCalls > 0 && l.Reads > 0 && l.HubConnections > 0);
}
