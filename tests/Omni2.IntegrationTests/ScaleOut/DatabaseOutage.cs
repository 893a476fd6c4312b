using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Omni2.Contracts;
using Omni2.Testing;

namespace Omni2.IntegrationTests.ScaleOut;

/// <summary>
/// One PostgreSQL outage, played once for <see cref="DatabaseOutageTests"/> on a server of its own:
/// two silo processes and six fleet servers, all healthy; PostgreSQL stops; three servers crash and
/// one of them comes back while it is down (30 s at least); PostgreSQL returns and the other two come
/// back. What the silos showed along the way is recorded for the tests to judge.
/// </summary>
public sealed class DatabaseOutage : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CatchUpDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MinimumOutage = TimeSpan.FromSeconds(30);

    // Crashed servers stay disconnected however long the outage lasts: no open circuit, no auto-disable.
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Omni2:Health:FailureThreshold"] = "1000",
        ["Omni2:Health:RetryInterval"] = "00:00:02",
        ["Omni2:Health:DisableAfter"] = "00:30:00",
    };

    private readonly List<SiloProcess> _silos = [];
    private readonly List<HttpClient> _viewers = [];
    private readonly List<RealtimeClient> _hubs = [];
    private readonly ConcurrentQueue<ReadinessAnswer> _readiness = new();
    private PostgresServer? _server;
    private FleetProcess? _fleet;

    public PostgresDatabase Database { get; private set; } = null!;

    public string[] Names { get; } = [.. Enumerable.Range(0, 6).Select(i => $"outage-{i}")];

    /// <summary>Crash while PostgreSQL is down; the first comes back before it returns, the others after.</summary>
    public string[] Crashed => Names[..3];

    public string Revived => Names[0];

    private string[] StillDown => Crashed[1..];

    public string[] StayedUp => Names[3..];

    public IEnumerable<Uri> Silos => _silos.Select(s => s.BaseAddress);

    /// <summary>A hub client per silo, connected before the outage.</summary>
    public IReadOnlyList<RealtimeClient> Hubs => _hubs;

    /// <summary>The last health-log row written before the outage.</summary>
    public long LogMark { get; private set; }

    public DateTimeOffset RestartedAt { get; private set; }

    /// <summary>Per silo, while PostgreSQL is down: its API shows the crashed servers disconnected and the others healthy.</summary>
    public Sighting[] CrashSeen { get; private set; } = [];

    /// <summary>Per silo, while PostgreSQL is down: its API shows the revived server healthy again, the other two still disconnected.</summary>
    public Sighting[] RecoverySeen { get; private set; } = [];

    /// <summary>Once PostgreSQL is back: the status columns and both silos' APIs show what the servers are.</summary>
    public Sighting StatusCaughtUp { get; private set; } = null!;

    /// <summary>Once every server is up again: the health log holds, per server, what each hub received.</summary>
    public Sighting LogCaughtUp { get; private set; } = null!;

    /// <summary>Every answer of both silos' <c>/health/ready</c> while PostgreSQL was down.</summary>
    public IReadOnlyCollection<ReadinessAnswer> Readiness => _readiness;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.CreateAsync();
        Database = await PostgresDatabase.CreateAsync(_server.ConnectionString);
        _fleet = await FleetProcess.StartAsync(Names.Length);
        var serviceId = $"omni2-outage-{Guid.NewGuid():N}";
        _silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(Database.ConnectionString, serviceId, Settings))));
        _viewers.AddRange(_silos.Select(s => s.ClientAs("viewer", Token)));
        await RegisterAllHealthyAsync(_fleet);
        await ConnectHubsAsync();

        await _server.StopAsync();
        if (await DatabaseAnswersAsync())
        {
            throw new InvalidOperationException("PostgreSQL still answers after it was stopped.");
        }
        var stoppedAt = DateTimeOffset.UtcNow;
        using (var probing = new CancellationTokenSource())
        {
            var readiness = Task.WhenAll(_silos.Select(s => ProbeReadinessAsync(s, probing.Token)));
            await _fleet.KillAsync(0, Crashed.Length - 1);
            CrashSeen = await EverySiloAsync(
                api => Crashed.All(n => api.GetValueOrDefault(n) == "disconnected") && StayedUp.All(n => api.GetValueOrDefault(n) == "healthy"),
                Deadline, "the crashed servers disconnected and the others healthy while PostgreSQL is down");
            await _fleet.ReviveAsync(0, 0);
            RecoverySeen = await EverySiloAsync(
                api => api.GetValueOrDefault(Revived) == "healthy" && StillDown.All(n => api.GetValueOrDefault(n) == "disconnected"),
                Deadline, $"'{Revived}' healthy again and the other crashed servers still disconnected while PostgreSQL is down");
            var left = stoppedAt + MinimumOutage - DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }
            await probing.CancelAsync();
            await readiness;
        }

        RestartedAt = DateTimeOffset.UtcNow;
        await _server.StartAsync();
        if (!await DatabaseAnswersAsync())
        {
            throw new InvalidOperationException("PostgreSQL does not answer after it was started again.");
        }
        StatusCaughtUp = await WatchAsync(StatusMismatchesAsync, m => m.Count == 0, CatchUpDeadline, "the status columns and the APIs to show every server as it is");
        await _fleet.ReviveAsync(1, StillDown.Length);
        // A quiet fleet, so that the log can be held against what the hubs received (which the log test judges).
        await EverySiloAsync(api => Names.All(n => api.GetValueOrDefault(n) == "healthy"), CatchUpDeadline, "every server healthy");
        LogCaughtUp = await WatchAsync(LogMismatchesAsync, m => m.Count == 0, CatchUpDeadline, "the health log to hold what every hub received");
    }

    /// <summary>Health-log rows written since the outage began, oldest first, as <c>old->new</c>.</summary>
    public Task<List<LogEntry>> LogSinceOutageAsync() => LogAsync(LogMark);

    /// <summary>The transitions a hub client received (status changes, recovery progress, open circuits), in order.</summary>
    public static List<Transition> TransitionsOf(RealtimeClient hub) =>
        [.. hub.TimedEvents()
            .Where(e => e.Event.GetProperty("type").GetString() is StatusMessageTypes.StatusChange or StatusMessageTypes.RecoveryProgress or StatusMessageTypes.CircuitOpened)
            .Select(e => new Transition(
                e.At,
                e.Event.GetProperty("mcp_name").GetString()!,
                $"{e.Event.GetProperty("old_status").GetString()}->{e.Event.GetProperty("new_status").GetString()}"))];

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync();
        }
        foreach (var viewer in _viewers)
        {
            viewer.Dispose();
        }
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
        if (_server is not null)
        {
            // Idempotent; the test database is dropped through a running server.
            await _server.StartAsync();
            if (Database is not null)
            {
                await Database.DisposeAsync();
            }
            await _server.DisposeAsync();
        }
    }

    private static string Token(string role) => SiloProcess.Token(role, "outage-test");

    private async Task RegisterAllHealthyAsync(FleetProcess fleet)
    {
        using var admin = _silos[0].ClientAs("admin", Token);
        for (var i = 0; i < Names.Length; i++)
        {
            using var created = await admin.PostAsync("/api/v1/mcp/servers", Json(HttpServer(Names[i], fleet.Endpoint(i), intervalSeconds: 2)));
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Registering {Names[i]} answered {created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            }
        }
        foreach (var viewer in _viewers)
        {
            await Eventually.MatchesAsync(() => StatusesAsync(viewer), api => Names.All(n => api.GetValueOrDefault(n) == "healthy"), CatchUpDeadline, "every server healthy");
        }
        // A grain reports healthy just before it writes its 'connected' row.
        var connected = await Eventually.MatchesAsync(() => LogAsync(0), log => log.Count == Names.Length, Deadline, "every server's connected row");
        LogMark = connected.Max(r => r.Id);
    }

    private async Task ConnectHubsAsync()
    {
        foreach (var silo in _silos)
        {
            _hubs.Add(await RealtimeClient.ConnectAsync(silo.BaseAddress, Token("viewer")));
        }
        await Eventually.MatchesAsync(() => Task.FromResult(_hubs.All(h => !h.Messages.IsEmpty)), all => all, Deadline, "each hub's snapshot");
    }

    /// <summary>Opens a connection past the pool: the rig's stop and start must really take PostgreSQL away and give it back.</summary>
    private async Task<bool> DatabaseAnswersAsync()
    {
        var unpooled = new NpgsqlConnectionStringBuilder(_server!.ConnectionString) { Pooling = false, Timeout = 5 };
        try
        {
            await using var connection = new NpgsqlConnection(unpooled.ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task ProbeReadinessAsync(SiloProcess silo, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            do
            {
                try
                {
                    using var response = await http.GetAsync("/health/ready", stop);
                    _readiness.Enqueue(new ReadinessAnswer(silo.BaseAddress, (int)response.StatusCode, await response.Content.ReadAsStringAsync(stop)));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
                {
                    _readiness.Enqueue(new ReadinessAnswer(silo.BaseAddress, 0, ex.Message));
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The outage is over.
        }
    }

    private Task<Sighting[]> EverySiloAsync(Func<Dictionary<string, string>, bool> condition, TimeSpan timeout, string what) =>
        Task.WhenAll(_viewers.Select(viewer => WatchAsync(() => StatusesAsync(viewer), condition, timeout, $"{what} on {viewer.BaseAddress}")));

    /// <summary>Each server's status in a silo's API (its catalog), by name.</summary>
    private static async Task<Dictionary<string, string>> StatusesAsync(HttpClient viewer)
    {
        var list = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status");
        return list.GetProperty("servers").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("health_status").GetString()!);
    }

    /// <summary>Where the status columns or an API differ from what the servers are: two still crashed, the rest up.</summary>
    private async Task<List<string>> StatusMismatchesAsync()
    {
        var apis = await Task.WhenAll(_viewers.Select(StatusesAsync));
        var mismatches = new List<string>();
        foreach (var name in Names)
        {
            var expected = StillDown.Contains(name) ? "disconnected" : "healthy";
            string? column;
            try
            {
                column = (await Database.StatusRowAsync(name))?.HealthStatus;
            }
            catch (NpgsqlException ex)
            {
                column = $"unreadable ({ex.Message})";
            }
            var seen = apis.Select(api => api.GetValueOrDefault(name)).Prepend(column).ToList();
            if (seen.Any(s => s != expected))
            {
                mismatches.Add($"{name} should be {expected}: column {column}, APIs {string.Join(" / ", seen.Skip(1))}");
            }
        }
        return mismatches;
    }

    /// <summary>Per server and hub, where the health log since the outage differs from the transitions the hub received.</summary>
    private async Task<List<string>> LogMismatchesAsync()
    {
        List<LogEntry> log;
        try
        {
            log = await LogSinceOutageAsync();
        }
        catch (NpgsqlException ex)
        {
            return [$"the health log is unreadable: {ex.Message}"];
        }
        var mismatches = new List<string>();
        foreach (var (hub, i) in _hubs.Select((h, i) => (h, i)))
        {
            var received = TransitionsOf(hub);
            foreach (var name in Names)
            {
                var written = log.Where(r => r.Server == name).Select(r => r.Change).ToList();
                var sent = received.Where(t => t.Server == name).Select(t => t.Change).ToList();
                if (!written.SequenceEqual(sent))
                {
                    mismatches.Add($"{name}: log [{string.Join(", ", written)}], hub {i} [{string.Join(", ", sent)}]");
                }
            }
        }
        return mismatches;
    }

    private Task<List<LogEntry>> LogAsync(long after) => Database.QueryAsync(
        "SELECT id, event_id, server_name, old_status || '->' || new_status, reason FROM omni2.mcp_health_log WHERE id > $1 ORDER BY id",
        r => new LogEntry(r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)),
        after);

    private static async Task<Sighting> WatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Eventually.MatchesAsync(probe, condition, timeout, what);
            return new Sighting(what, null);
        }
        catch (TimeoutException ex)
        {
            return new Sighting(what, ex.Message);
        }
    }

    /// <summary>A health-log row; <see cref="Change"/> is <c>old_status->new_status</c>.</summary>
    public sealed record LogEntry(long Id, Guid EventId, string Server, string Change, string? Reason);
}

/// <summary>What waiting for a condition during the outage came to: seen in time, or the timeout with the last value.</summary>
public sealed record Sighting(string What, string? Failure)
{
    public bool Seen => Failure is null;
}

public sealed record ReadinessAnswer(Uri Silo, int StatusCode, string Body);

/// <summary>A transition as a hub client received it; <see cref="Change"/> is <c>old_status->new_status</c>.</summary>
public sealed record Transition(DateTimeOffset At, string Server, string Change);
