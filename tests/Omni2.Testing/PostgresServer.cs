namespace Omni2.Testing;

/// <summary>
/// A PostgreSQL server of its own, from <c>scripts/postgres.sh</c> in a fresh directory, for a test
/// that takes the database away: every other test shares one server, which must stay up.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"omni2-pg-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> _environment;

    private PostgresServer() =>
        _environment = new() { ["OMNI2_PG_DIR"] = _directory, ["OMNI2_PG_PORT"] = Ports.Free().ToString() };

    /// <summary>Its <c>omni2</c> database, schema applied; the same after a restart.</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<PostgresServer> CreateAsync()
    {
        var server = new PostgresServer();
        server.ConnectionString = await server.RunAsync("start");
        return server;
    }

    /// <summary><c>pg_ctl stop -m fast</c>: open connections are cut and new ones refused.</summary>
    public Task StopAsync() => RunAsync("stop");

    /// <summary>Starts the stopped server again on its port, so every connection string still works.</summary>
    public async Task StartAsync()
    {
        var restarted = await RunAsync("start");
        if (restarted != ConnectionString)
        {
            throw new InvalidOperationException($"PostgreSQL came back as '{restarted}', not '{ConnectionString}': its port was taken.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string> RunAsync(string command) =>
        (await RepoPaths.RunScriptAsync("scripts/postgres.sh", _environment, command)).Split('\n')[^1];
}
