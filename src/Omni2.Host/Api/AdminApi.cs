using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>
/// Registration and operation of servers (admins only). The API is the single writer of
/// configuration rows; after each write it pokes the registry so the change is live at once.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var servers = app.MapGroup("/api/v1/mcp/servers").WithTags("Admin").RequireAuthorization(Policies.Administer);

        servers.MapPost("/", RegisterAsync).WithName("RegisterServer").WithSummary("Registers a server (201; 409 when the name is taken).");
        servers.MapGet("/{name}", GetAsync).WithName("GetServer").WithSummary("A server's configuration (secrets redacted), status and tools.");
        servers.MapPut("/{name}", ReplaceAsync).WithName("ReplaceServer").WithSummary("Replaces a server's configuration; it reconnects when its address changed.");
        servers.MapDelete("/{name}", DeleteAsync).WithName("DeleteServer").WithSummary("Deletes a server; its grain closes the connection and clears its state.");
        servers.MapPost("/{name}/disable", DisableAsync).WithName("DisableServer").WithSummary("Disables a server until it is enabled again.");
        servers.MapPost("/{name}/enable", EnableAsync).WithName("EnableServer").WithSummary("Enables a server (also one the breaker disabled) and connects it.");
        servers.MapPost("/{name}/reset", ResetAsync).WithName("ResetCircuit").WithSummary("Closes the circuit and retries now.");
        return app;
    }

    private static async Task<Results<Created<ServerDetailView>, BodyProblem, BadRequestProblem, ConflictProblem>> RegisterAsync(HttpContext context, IServerAdminStore store, ServerCatalog catalog, IGrainFactory grains, IOptions<StdioOptions> stdio, ILoggerFactory loggers)
    {
        var (body, problem) = await JsonBody.ReadAsync<ServerRegistration>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (ServerRegistrationValidator.Validate(body!, null, stdio.Value, out var errors) is not { } config)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        if (!await store.CreateAsync(config, context.RequestAborted))
        {
            return Problems.Conflict($"A server named '{config.Name}' already exists.");
        }
        catalog.Upsert(config.ToInfo());
        await ReloadAsync(grains, config.Name, loggers);
        var status = await grains.GetGrain<IMcpServerGrain>(config.Name).GetWrittenSnapshotAsync();
        return TypedResults.Created($"/api/v1/mcp/servers/{config.Name}", ServerDetailView.From(config, status.Status, status.Tools, DateTimeOffset.UtcNow));
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem>> GetAsync(string name, IServerConfigSource configs, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, configs, cancellationToken) is not { Config: { } config })
        {
            return UnknownServerProblem.Named(name);
        }
        var snapshot = await grains.GetGrain<IMcpServerGrain>(name).GetSnapshotAsync();
        return TypedResults.Ok(ServerDetailView.From(config, snapshot.Status, snapshot.Tools, time.GetUtcNow()));
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem, BodyProblem, BadRequestProblem>> ReplaceAsync(string name, HttpContext context, IServerAdminStore store, ServerCatalog catalog, IGrainFactory grains, IOptions<StdioOptions> stdio, TimeProvider time, ILoggerFactory loggers)
    {
        if (!ServerRegistrationValidator.IsValidName(name))
        {
            return UnknownServerProblem.InvalidName(name);
        }
        var (body, problem) = await JsonBody.ReadAsync<ServerRegistration>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (ServerRegistrationValidator.Validate(body!, name, stdio.Value, out var errors) is not { } config)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        if (!await store.UpdateAsync(config, context.RequestAborted))
        {
            return UnknownServerProblem.Named(name);
        }
        catalog.Upsert(config.ToInfo());
        await ReloadAsync(grains, name, loggers);
        var snapshot = await grains.GetGrain<IMcpServerGrain>(name).GetWrittenSnapshotAsync();
        return TypedResults.Ok(ServerDetailView.From(config, snapshot.Status, snapshot.Tools, time.GetUtcNow()));
    }

    private static async Task<Results<NoContent, UnknownServerProblem>> DeleteAsync(string name, IServerAdminStore store, ServerCatalog catalog, IGrainFactory grains, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!ServerRegistrationValidator.IsValidName(name))
        {
            return UnknownServerProblem.InvalidName(name);
        }
        if (!await store.DeleteAsync(name, cancellationToken))
        {
            return UnknownServerProblem.Named(name);
        }
        catalog.Remove(name);
        await ReloadAsync(grains, name, loggers);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem>> DisableAsync(string name, HttpContext context, IServerAdminStore store, IServerConfigSource configs, IGrainFactory grains, TimeProvider time, ILoggerFactory loggers)
    {
        if (await FindAsync(name, configs, context.RequestAborted) is not { Config: not null })
        {
            return UnknownServerProblem.Named(name);
        }
        // The grain records who disabled it; the row then keeps it retired across restarts.
        await grains.GetGrain<IMcpServerGrain>(name).DisableAsync($"disabled by {AuthSetup.UserOf(context.User) ?? "admin"}");
        await store.SetEnabledAsync(name, false, context.RequestAborted);
        await ReloadAsync(grains, name, loggers);
        return await StatusOf(name, configs, grains, time, context.RequestAborted);
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem>> EnableAsync(string name, HttpContext context, IServerAdminStore store, IServerConfigSource configs, IGrainFactory grains, TimeProvider time, ILoggerFactory loggers)
    {
        if (await FindAsync(name, configs, context.RequestAborted) is not { Config: not null })
        {
            return UnknownServerProblem.Named(name);
        }
        await store.SetEnabledAsync(name, true, context.RequestAborted);
        await ReloadAsync(grains, name, loggers);
        // Also lifts an auto-disable, which the row's enabled flag does not show.
        await grains.GetGrain<IMcpServerGrain>(name).EnableAsync(context.RequestAborted);
        return await StatusOf(name, configs, grains, time, context.RequestAborted);
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem>> ResetAsync(string name, IServerConfigSource configs, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, configs, cancellationToken) is not { Config: not null })
        {
            return UnknownServerProblem.Named(name);
        }
        await grains.GetGrain<IMcpServerGrain>(name).ResetCircuitAsync(cancellationToken);
        return await StatusOf(name, configs, grains, time, cancellationToken);
    }

    private static async Task<Results<Ok<ServerDetailView>, UnknownServerProblem>> StatusOf(string name, IServerConfigSource configs, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        var config = await configs.LoadAsync(name, cancellationToken);
        var snapshot = await grains.GetGrain<IMcpServerGrain>(name).GetSnapshotAsync();
        if (config is null)
        {
            return UnknownServerProblem.Named(name);
        }
        return TypedResults.Ok(ServerDetailView.From(config, snapshot.Status, snapshot.Tools, time.GetUtcNow()));
    }

    /// <summary>The server's row, or why there is none (an invalid name is reported as such).</summary>
    private static async Task<(McpServerConfig? Config, bool ValidName)> FindAsync(string name, IServerConfigSource configs, CancellationToken cancellationToken) =>
        ServerRegistrationValidator.IsValidName(name) ? (await configs.LoadAsync(name, cancellationToken), true) : (null, false);

    /// <summary>
    /// Applies a row just written. The row is the truth from here on: if the registry cannot be
    /// reached now (a silo just died, say), its next scan applies it, and the admin still gets the
    /// answer for a write that succeeded, never a 500.
    /// </summary>
    private static async Task ReloadAsync(IGrainFactory grains, string name, ILoggerFactory loggers)
    {
        try
        {
            await grains.GetGrain<IRegistryGrain>(GrainKeys.Registry).ReloadAsync(name);
        }
        catch (Exception ex)
        {
            loggers.CreateLogger(typeof(AdminApi)).LogWarning(ex, "Server {Server} saved; applying it now failed, the registry's next scan applies it", name);
        }
    }
}
