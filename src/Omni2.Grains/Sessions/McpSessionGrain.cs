using Omni2.Contracts;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Omni2.Grains.Sessions;

[GenerateSerializer, Alias("omni2.McpSessionState")]
public sealed class McpSessionState
{
    /// <summary>The state's name, which is also its row's grain type in Orleans' storage table.</summary>
    public const string Name = "mcp-session";

    [Id(0)] public string? User { get; set; }
    [Id(1)] public string? InitializeParamsJson { get; set; }

    /// <summary>When a silo running the session last wrote the record.</summary>
    [Id(2)] public DateTimeOffset RenewedAt { get; set; }
}

/// <summary>
/// Remembers one MCP session's initialize parameters, for whichever silo the next request reaches.
/// The record ends with the session (DELETE) or expires when no silo renews it
/// (<see cref="SessionRowRetention"/>); an id that was never recorded costs a read and no write.
/// </summary>
public sealed class McpSessionGrain(
    [PersistentState(McpSessionState.Name, StorageNames.Grains)] IPersistentState<McpSessionState> state,
    IOptions<McpSessionOptions> options,
    TimeProvider clock) : Grain, IMcpSessionGrain
{
    public async Task SaveAsync(string user, string initializeParamsJson)
    {
        if (initializeParamsJson.Length > McpSessionOptions.MaxRecordBytes)
        {
            throw new ArgumentException($"A session record holds at most {McpSessionOptions.MaxRecordBytes} bytes; this one has {initializeParamsJson.Length}.", nameof(initializeParamsJson));
        }
        state.State.User = user;
        state.State.InitializeParamsJson = initializeParamsJson;
        state.State.RenewedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
    }

    // A session is only handed to the user who opened it.
    public Task<string?> LoadAsync(string user)
    {
        if (!state.RecordExists || clock.GetUtcNow() - state.State.RenewedAt > options.Value.SessionIdleTimeout)
        {
            // Unknown, or expired and not yet swept: nothing to keep in memory either.
            DeactivateOnIdle();
            return Task.FromResult<string?>(null);
        }
        return Task.FromResult(state.State.User == user ? state.State.InitializeParamsJson : null);
    }

    public async Task RenewAsync()
    {
        if (!state.RecordExists)
        {
            return;
        }
        try
        {
            state.State.RenewedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // The record expired and was swept meanwhile: the session can no longer move between silos.
            state.State = new McpSessionState();
            DeactivateOnIdle();
        }
    }

    public async Task EndAsync(string user)
    {
        if (state.RecordExists && state.State.User == user)
        {
            await state.ClearStateAsync();
        }
        DeactivateOnIdle();
    }
}
