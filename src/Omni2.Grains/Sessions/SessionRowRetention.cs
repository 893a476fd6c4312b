using Microsoft.Extensions.Options;
using Npgsql;
using Omni2.Grains.Persistence;
using Orleans.Configuration;

namespace Omni2.Grains.Sessions;

/// <summary>
/// MCP session records (<see cref="McpSessionGrain"/>) that no silo renewed for
/// <see cref="McpSessionOptions.SessionIdleTimeout"/>: their row in Orleans' storage table, of this
/// service only. A silo running a session renews its record every half idle timeout.
/// </summary>
public sealed class SessionRowRetention(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IOptions<McpSessionOptions> options) : IRetention
{
    public string Name => "MCP session records";

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM orleansstorage WHERE serviceid = $1 AND graintypestring = $2 AND modifiedon < $3");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = McpSessionState.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = now - options.Value.SessionIdleTimeout });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
