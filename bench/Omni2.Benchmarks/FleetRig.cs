using System.Diagnostics;
using System.Net;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// What the fleet benchmarks run on: a real silo process on PostgreSQL with its production timings,
/// and the fleet process whose servers get registered through the admin API.
/// </summary>
public sealed class FleetRig : IAsyncDisposable
{
    private readonly PostgresDatabase _database;

    private FleetRig(PostgresDatabase database, FleetProcess fleet, SiloProcess silo)
    {
        _database = database;
        Fleet = fleet;
        Silo = silo;
        Admin = silo.ClientAs("admin", role => Token(role));
        Admin.Timeout = TimeSpan.FromMinutes(2);
        Viewer = silo.ClientAs("viewer", role => Token(role));
    }

    public FleetProcess Fleet { get; }

    public SiloProcess Silo { get; }

    public HttpClient Admin { get; }

    public HttpClient Viewer { get; }

    /// <summary>Servers registered so far: fleet servers 0 to Registered - 1.</summary>
    public int Registered { get; private set; }

    public static string Token(string role, string user = "bench") => SiloProcess.Token(role, user);

    public static string ServerName(int server) => $"fleet-{server:00000}";

    public static async Task<FleetRig> StartAsync(int fleetSize, bool stateful, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await PostgresDatabase.CreateAsync();
        var fleet = await FleetProcess.StartAsync(fleetSize, stateful);
        var siloSettings = new Dictionary<string, string?>
        {
            // The production default; SiloProcess shortens it for tests.
            ["Omni2:Catalog:ResyncInterval"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            siloSettings[key] = value;
        }
        var silo = await SiloProcess.StartAsync(database.ConnectionString, $"omni2-bench-{Guid.NewGuid():N}", siloSettings, fastTimings: false);
        return new FleetRig(database, fleet, silo);
    }

    /// <summary>Registers fleet servers up to <paramref name="count"/> through the admin API, 32 requests at a time.</summary>
    public async Task RegisterUpToAsync(int count, int intervalSeconds)
    {
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(Registered, count - Registered), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (server, _) =>
        {
            var body = ApiRequests.HttpServer(ServerName(server), Fleet.Endpoint(server), intervalSeconds: intervalSeconds);
            using var response = await Admin.PostAsync("/api/v1/mcp/servers", ApiRequests.Json(body));
            if (response.StatusCode != HttpStatusCode.Created)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Registered = count;
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} registrations failed");
        }
    }

    /// <summary>Waits until the silo's catalog counts <paramref name="count"/> servers in <paramref name="status"/>; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForStatusCountAsync(string status, int count, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        await Eventually.MatchesAsync(
            async () => (await MetricsScrape.ReadAsync(Viewer)).Sum("omni2_servers", $"status=\"{status}\""),
            n => n >= count,
            timeout,
            $"{count} servers {status}");
        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Viewer.Dispose();
        await Silo.DisposeAsync();
        await Fleet.DisposeAsync();
        await _database.DisposeAsync();
    }
}
