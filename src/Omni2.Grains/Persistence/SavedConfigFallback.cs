using Microsoft.Extensions.Logging;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>How a server's grain loads its configuration on activation: from the database, or, while that fails, the copy saved with its state.</summary>
public static partial class SavedConfigFallback
{
    /// <summary>The row's configuration; the saved one if the database does not answer (null if there is none either: the error is thrown).</summary>
    public static async Task<McpServerConfig?> LoadOrSavedAsync(
        this IServerConfigSource configs, string name, McpServerConfig? saved, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await configs.LoadAsync(name, cancellationToken);
        }
        catch (Exception ex) when (saved is not null)
        {
            LogConfigLoadFailed(logger, name, ex.Message);
            return saved;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: loading configuration failed, using the saved one: {Error}")]
    private static partial void LogConfigLoadFailed(ILogger logger, string server, string error);
}
