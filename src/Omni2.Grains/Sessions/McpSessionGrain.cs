using Omni2.Contracts;

namespace Omni2.Grains.Sessions;

[GenerateSerializer, Alias("omni2.McpSessionState")]
public sealed class McpSessionState
{
    [Id(0)] public string? User { get; set; }
    [Id(1)] public string? InitializeParamsJson { get; set; }
}

/// <summary>Remembers one MCP session's initialize parameters, for whichever silo the next request reaches.</summary>
public sealed class McpSessionGrain(
    [PersistentState("mcp-session", StorageNames.Grains)] IPersistentState<McpSessionState> state) : Grain, IMcpSessionGrain
{
    public async Task SaveAsync(string user, string initializeParamsJson)
    {
        state.State.User = user;
        state.State.InitializeParamsJson = initializeParamsJson;
        await state.WriteStateAsync();
    }

    // A session is only handed to the user who opened it.
    public Task<string?> LoadAsync(string user) =>
        Task.FromResult(state.State.User == user ? state.State.InitializeParamsJson : null);
}
