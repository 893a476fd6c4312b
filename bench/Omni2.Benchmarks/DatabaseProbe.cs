using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// What a benchmark's database did over a window: commits and health-log rows between two readings, and the
/// most client connections open at once (sampled every 200 ms by a connection of its own, not counted).
/// </summary>
public sealed class DatabaseProbe : IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _mostConnections;

    private DatabaseProbe(PostgresDatabase database, long commits, long logRows)
    {
        _database = database;
        (Commits, LogRows) = (commits, logRows);
        _sampling = Task.Run(SampleAsync);
    }

    private long Commits { get; }

    private long LogRows { get; }

    public int MostConnections => Volatile.Read(ref _mostConnections);

    public static async Task<DatabaseProbe> StartAsync(PostgresDatabase database) =>
        new(database, await CommitsAsync(database), await LogRowsAsync(database));

    /// <summary>Commits and health-log rows since the probe started.</summary>
    public async Task<(long Commits, long LogRows)> SinceStartAsync() =>
        (await CommitsAsync(_database) - Commits, await LogRowsAsync(_database) - LogRows);

    private static async Task<long> CommitsAsync(PostgresDatabase database) =>
        await database.ScalarAsync<long>("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");

    private static async Task<long> LogRowsAsync(PostgresDatabase database) =>
        await database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log");

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var open = await _database.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
            if (open > _mostConnections)
            {
                Volatile.Write(ref _mostConnections, (int)open);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
