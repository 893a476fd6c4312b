namespace Omni2.Contracts;

/// <summary>
/// An agent's MCP session on the <c>/mcp</c> endpoint, keyed by its <c>Mcp-Session-Id</c>: what the
/// client said at initialize, so any silo can take the session over (no sticky sessions).
/// </summary>
[Alias("omni2.IMcpSessionGrain")]
public interface IMcpSessionGrain : IGrainWithStringKey
{
    [Alias("Save")]
    Task SaveAsync(string user, string initializeParamsJson);

    /// <summary>The initialize parameters, if the session exists and belongs to <paramref name="user"/>.</summary>
    [Alias("Load")]
    Task<string?> LoadAsync(string user);
}
