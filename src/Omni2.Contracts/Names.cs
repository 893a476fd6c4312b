namespace Omni2.Contracts;

/// <summary>Names of the Orleans storage providers, in one place.</summary>
public static class StorageNames
{
    /// <summary>Grain state of <c>McpServerGrain</c> and <c>RegistryGrain</c>.</summary>
    public const string Grains = "omni2";

    /// <summary>Subscriptions of Orleans streams; the name Orleans' streaming expects.</summary>
    public const string PubSub = "PubSubStore";
}

/// <summary>Names of the Orleans streams, in one place.</summary>
public static class StreamNames
{
    /// <summary>The stream provider carrying status events.</summary>
    public const string Provider = "omni2-status";

    /// <summary>Namespace of the status stream.</summary>
    public const string StatusNamespace = "mcp-status";

    /// <summary>Every server's events travel on one stream; silos filter per client.</summary>
    public const string StatusKey = "all";
}

/// <summary>Fixed grain keys.</summary>
public static class GrainKeys
{
    /// <summary>The one registry of the cluster.</summary>
    public const string Registry = "registry";

    /// <summary>The one alert watcher of the cluster.</summary>
    public const string Alerts = "alerts";
}
