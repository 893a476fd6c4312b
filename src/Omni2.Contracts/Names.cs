namespace Omni2.Contracts;

/// <summary>Names of the Orleans storage providers, in one place.</summary>
public static class StorageNames
{
    /// <summary>Grain state of <c>McpServerGrain</c> and <c>RegistryGrain</c>.</summary>
    public const string Grains = "omni2";
}

/// <summary>Fixed grain keys.</summary>
public static class GrainKeys
{
    /// <summary>The one registry of the cluster.</summary>
    public const string Registry = "registry";

    /// <summary>The one alert watcher of the cluster.</summary>
    public const string Alerts = "alerts";

    /// <summary>The one list of status-feed receivers of the cluster.</summary>
    public const string StatusSubscribers = "status-subscribers";
}
