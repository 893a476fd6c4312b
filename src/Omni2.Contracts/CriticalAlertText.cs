namespace Omni2.Contracts;

/// <summary>
/// The one wording of a critical alert. Admin webhooks get it for every failing server; each hub
/// recipient gets it for the failing servers it may see, so its count and names never reveal a hidden one.
/// </summary>
public static class CriticalAlertText
{
    public static string Describe(IReadOnlyCollection<string> servers, TimeSpan? window) =>
        $"{servers.Count} MCP {(servers.Count == 1 ? "server" : "servers")} failed {(window is { } w ? $"within {w.TotalSeconds:0} s" : "together")}: {string.Join(", ", servers)}";
}
