using Npgsql;
using NpgsqlTypes;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

public sealed partial class PostgresServerStore
{
    // PostgreSQL does the reduction: the last hour's rows of a 10,000-server fleet in a mass failure are
    // tens of thousands, the answer at most buckets × 20 rows. The rows are found by the BRIN index on
    // created_at (they arrive in time order), the servers by a hashed = ANY.
    public async Task<IReadOnlyList<StatusMoves>> ReadMovesAsync(
        IReadOnlyCollection<string> servers, DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT bucket, from_status, to_status, count(*)::int
            FROM (
                SELECT floor(extract(epoch FROM created_at) * 1000 / $3)::bigint AS bucket,
                       (array_agg(old_status ORDER BY created_at, id))[1] AS from_status,
                       (array_agg(new_status ORDER BY created_at DESC, id DESC))[1] AS to_status
                FROM omni2.mcp_health_log
                WHERE created_at >= $2 AND server_name = ANY($1)
                GROUP BY server_name, 1
            ) moves
            WHERE from_status <> to_status
            GROUP BY bucket, from_status, to_status
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = servers.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)bucket.TotalMilliseconds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var moves = new List<StatusMoves>();
        while (await reader.ReadAsync(cancellationToken))
        {
            moves.Add(new StatusMoves(reader.GetInt64(0), WireNames.ParseStatus(reader.GetString(1)), WireNames.ParseStatus(reader.GetString(2)), reader.GetInt32(3)));
        }
        return moves;
    }
}
