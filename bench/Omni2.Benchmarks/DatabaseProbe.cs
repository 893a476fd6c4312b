using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// What a benchmark's database did over a window: the health-log rows written since it started, and the most
/// client connections open at once (sampled every 200 ms by a connection of its own, not counted).
/// </summary>
public sealed class DatabaseProbe : IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _mostConnections;

    private DatabaseProbe(PostgresDatabase database, long logRows)
    {
        _database = database;
        LogRows = logRows;
        _sampling = Task.Run(SampleAsync);
    }

    private long LogRows { get; }

    public int MostConnections => Volatile.Read(ref _mostConnections);

    public static async Task<DatabaseProbe> StartAsync(PostgresDatabase database) => new(database, await LogRowsAsync(database));

    /// <summary>Health-log rows written since the probe started.</summary>
    public async Task<long> LogRowsSinceStartAsync() => await LogRowsAsync(_database) - LogRows;

    /// <summary>Waits until the health log holds at least <paramref name="rows"/> rows (the database is written after memory).</summary>
    public static Task<long> WaitForLogRowsAsync(PostgresDatabase database, long rows, TimeSpan timeout) =>
        Eventually.MatchesAsync(() => LogRowsAsync(database), n => n >= rows, timeout, $"{rows:N0} health-log rows");

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
