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

    /// <summary>Rewrites the record, so it does not expire while a silo still runs the session.</summary>
    [Alias("Renew")]
    Task RenewAsync();

    /// <summary>Deletes the record, if it belongs to <paramref name="user"/>: the client ended the session.</summary>
    [Alias("End")]
    Task EndAsync(string user);
}
