using System.Collections.Immutable;
using Npgsql;

namespace Omni2.Grains.Persistence;

/// <summary>One revocation: the token with <see cref="Jti"/>, or every token of <see cref="User"/> issued up to <see cref="RevokedAt"/>.</summary>
public sealed record TokenRevocation(long Id, string? Jti, string? User, DateTimeOffset RevokedAt, string RevokedBy);

/// <summary>Where revocations are kept, so every silo (and every restart) refuses the same tokens.</summary>
public interface ITokenRevocationStore
{
    /// <summary>Records a revocation of a token (<paramref name="jti"/>) or of a user's tokens (<paramref name="user"/>): exactly one is given.</summary>
    Task<TokenRevocation> AddAsync(string? jti, string? user, string revokedBy, CancellationToken cancellationToken = default);

    /// <summary>The revocations after <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<TokenRevocation>> ListAfterAsync(long afterId, CancellationToken cancellationToken = default);
}

/// <summary><c>omni2.token_revocations</c>.</summary>
public sealed class PostgresTokenRevocations(NpgsqlDataSource dataSource) : ITokenRevocationStore
{
    public async Task<TokenRevocation> AddAsync(string? jti, string? user, string revokedBy, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO omni2.token_revocations (jti, user_name, revoked_by) VALUES ($1, $2, $3) RETURNING id, revoked_at");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)jti ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)user ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = revokedBy });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TokenRevocation(reader.GetInt64(0), jti, user, reader.GetFieldValue<DateTimeOffset>(1), revokedBy);
    }

    public async Task<IReadOnlyList<TokenRevocation>> ListAfterAsync(long afterId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, jti, user_name, revoked_at, revoked_by FROM omni2.token_revocations WHERE id > $1 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<TokenRevocation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TokenRevocation(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4)));
        }
        return rows;
    }
}

/// <summary>The embedded default's revocations, in this silo's memory (its only silo).</summary>
public sealed class InMemoryTokenRevocations(TimeProvider time) : ITokenRevocationStore
{
    private readonly Lock _lock = new();
    private ImmutableList<TokenRevocation> _rows = [];

    public Task<TokenRevocation> AddAsync(string? jti, string? user, string revokedBy, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var row = new TokenRevocation(_rows.Count + 1, jti, user, time.GetUtcNow(), revokedBy);
            _rows = _rows.Add(row);
            return Task.FromResult(row);
        }
    }

    public Task<IReadOnlyList<TokenRevocation>> ListAfterAsync(long afterId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TokenRevocation>>([.. _rows.Where(r => r.Id > afterId)]);
}
