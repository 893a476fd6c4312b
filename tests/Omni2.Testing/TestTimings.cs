namespace Omni2.Testing;

/// <summary>Settings shared by every test host and cluster.</summary>
public static class TestTimings
{
    /// <summary>Short versions of the default timings, so whole outages play out in seconds.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Fast = new Dictionary<string, string?>
    {
        ["Omni2:Health:FailureThreshold"] = "5",
        ["Omni2:Health:RetryInterval"] = "00:00:00.300",
        ["Omni2:Health:RecoveryTimeout"] = "00:00:00.500",
        ["Omni2:Health:BackoffMultiplier"] = "2",
        ["Omni2:Health:MaxBackoff"] = "00:00:02",
        ["Omni2:Health:DisableAfter"] = "00:00:12",
        ["Omni2:Registry:ScanInterval"] = "00:00:02",
        ["Omni2:StatusFeed:RefreshInterval"] = "00:00:01",
        ["Omni2:StatusFeed:RenewInterval"] = "00:00:01",
        ["Omni2:StatusFeed:CheckFlushInterval"] = "00:00:01",
    };

    /// <summary>
    /// Per-user rate limits far above what any test or benchmark sends: the limiter runs in every
    /// host, and refuses only in the tests about it, which set their own.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> GenerousRateLimits =
        new[] { "viewer", "operator", "admin" }
            .SelectMany(role => new[] { "ToolCalls", "Reads", "HubConnections" }.Select(kind => KeyValuePair.Create($"Omni2:RateLimits:Roles:{role}:{kind}", (string?)"100000000")))
            .ToDictionary();

    /// <summary>How often, under <see cref="Fast"/>, a silo rereads who receives its status feed.</summary>
    public static readonly TimeSpan StatusFeedRefresh = TimeSpan.FromSeconds(1);
}
