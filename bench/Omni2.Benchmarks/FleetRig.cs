using System.Diagnostics;
using System.Net;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// What the fleet benchmarks run on: real silo processes (one, or a cluster) on a fresh PostgreSQL
/// database (production timings unless asked otherwise), and the fleet process whose servers get registered
/// through the admin API.
/// </summary>
public sealed class FleetRig : IAsyncDisposable
{
    private readonly IReadOnlyList<HttpClient> _viewers;

    private FleetRig(PostgresDatabase database, FleetProcess fleet, IReadOnlyList<SiloProcess> silos)
    {
        Database = database;
        Fleet = fleet;
        Silos = silos;
        Admin = Silo.ClientAs("admin", role => Token(role));
        Admin.Timeout = TimeSpan.FromMinutes(2);
        _viewers = [.. silos.Select(s => s.ClientAs("viewer", role => Token(role)))];
    }

    public PostgresDatabase Database { get; }

    public FleetProcess Fleet { get; }

    /// <summary>Every silo of the cluster (one service id on <see cref="Database"/>).</summary>
    public IReadOnlyList<SiloProcess> Silos { get; }

    /// <summary>The first silo, the one <see cref="Admin"/> and <see cref="Viewer"/> talk to.</summary>
    public SiloProcess Silo => Silos[0];

    public HttpClient Admin { get; }

    public HttpClient Viewer => _viewers[0];

    /// <summary>A viewer of each silo, in the order of <see cref="Silos"/>.</summary>
    public IReadOnlyList<HttpClient> Viewers => _viewers;

    /// <summary>Servers registered so far: fleet servers 0 to Registered - 1.</summary>
    public int Registered { get; private set; }

    public static string Token(string role, string user = "bench") => SiloProcess.Token(role, user);

    public static string ServerName(int server) => $"fleet-{server:00000}";

    /// <param name="silos">How many silo processes form the cluster; they start one after another.</param>
    /// <param name="fastTimings">The tests' short health and registry timings (<see cref="TestTimings.Fast"/>) instead of production's.</param>
    /// <param name="connectionOptions">Npgsql keywords the silos' connection string adds (e.g. <c>Maximum Pool Size=20</c>).</param>
    public static async Task<FleetRig> StartAsync(
        int fleetSize, bool stateful, IReadOnlyDictionary<string, string?>? settings = null, int silos = 1, bool fastTimings = false, string? connectionOptions = null)
    {
        var siloSettings = new Dictionary<string, string?>
        {
            // The production default; SiloProcess shortens it for tests.
            ["Omni2:Catalog:ResyncInterval"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            siloSettings[key] = value;
        }
        var database = await PostgresDatabase.CreateAsync();
        var started = new Stack<IAsyncDisposable>([database]);
        try
        {
            var fleet = await FleetProcess.StartAsync(fleetSize, stateful);
            started.Push(fleet);
            var serviceId = $"omni2-bench-{Guid.NewGuid():N}";
            var processes = new List<SiloProcess>();
            for (var i = 0; i < silos; i++)
            {
                var connectionString = connectionOptions is null ? database.ConnectionString : $"{database.ConnectionString};{connectionOptions}";
                processes.Add(await SiloProcess.StartAsync(connectionString, serviceId, siloSettings, fastTimings));
                started.Push(processes[^1]);
            }
            return new FleetRig(database, fleet, processes);
        }
        catch
        {
            // Whatever started before the failure stops again, the newest first.
            while (started.TryPop(out var part))
            {
                await part.DisposeAsync();
            }
            throw;
        }
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

    /// <summary>Waits until every silo's catalog counts <paramref name="count"/> servers in <paramref name="status"/>; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForStatusCountAsync(string status, int count, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        await Eventually.MatchesAsync(
            async () => (await Task.WhenAll(_viewers.Select(MetricsScrape.ReadAsync))).Min(scrape => scrape.Sum("omni2_servers", $"status=\"{status}\"")),
            n => n >= count,
            timeout,
            $"{count} servers {status} on every silo");
        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        foreach (var viewer in _viewers)
        {
            viewer.Dispose();
        }
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        await Fleet.DisposeAsync();
        await Database.DisposeAsync();
    }
}
