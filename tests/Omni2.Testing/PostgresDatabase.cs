using Npgsql;

namespace Omni2.Testing;

/// <summary>
/// A fresh database on the real PostgreSQL that <c>scripts/postgres.sh</c> provides (or
/// <c>OMNI2_TEST_POSTGRES</c> names, or the caller gives), with the schema applied by <c>sql/apply.sh</c>.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim ServerLock = new(1, 1);
    private static string? _server;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _adminConnectionString;

    private PostgresDatabase(string connectionString, string adminConnectionString, string name)
    {
        ConnectionString = connectionString;
        Name = name;
        _adminConnectionString = adminConnectionString;
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public string Name { get; }

    public static async Task<PostgresDatabase> CreateAsync() => await CreateAsync(await ServerAsync());

    /// <summary>A fresh database on another server (<paramref name="server"/> connects to any of its databases), e.g. a <see cref="PostgresServer"/>.</summary>
    public static async Task<PostgresDatabase> CreateAsync(string server)
    {
        var name = $"omni2_test_{Guid.NewGuid():N}"[..30];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        await RepoPaths.RunScriptAsync("sql/apply.sh", $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={name}");
        return new PostgresDatabase(builder.ConnectionString, server, name);
    }

    private static async Task<string> ServerAsync()
    {
        await ServerLock.WaitAsync();
        try
        {
            return _server ??= Environment.GetEnvironmentVariable("OMNI2_TEST_POSTGRES") is { Length: > 0 } configured
                ? configured
                : (await RepoPaths.RunScriptAsync("scripts/postgres.sh", "start")).Split('\n')[^1];
        }
        finally
        {
            ServerLock.Release();
        }
    }

    public async Task<int> ExecuteAsync(string sql, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
