using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// Silo loss: one of two silo processes is killed (SIGKILL) or hangs (SIGSTOP; measured while it is
/// frozen, then SIGKILLed: a silo declared dead must not come back). Measured on the survivor: how
/// long until each server the victim held is checked again there, i.e. its grain-served detail
/// (<c>GET /api/v1/mcp/servers/{name}</c>) names another silo and a <c>last_check_at</c> after the
/// break; and, meanwhile, how long a failure of a server the survivor holds takes to show in its
/// catalog-served <c>/status</c>. Each round runs on a fresh database with its own cluster and
/// fleet of stateless servers, checked every 30 s, and with production timings (the tests' fast
/// registry scan would be a second way back for the moved servers): within a round only the
/// failover can bring a server back. Polling a detail activates a grain the failover has not
/// woken yet, so only every other moved server is polled; the rest are left alone and read once,
/// <see cref="AloneWindow"/> after the break, their own <c>last_check_at</c> saying when the
/// failover checked them. After the round, the health log must hold exactly one
/// <c>disconnected</c> row per failed server and none for the others.
/// </summary>
public static class FailoverBenchmark
{
    private const int CheckIntervalSeconds = 30;
    /// <summary>Servers of the survivor failed in each round.</summary>
    private const int SurvivorFailures = 5;
    /// <summary>How long any one wait lasts at most.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ListInterval = TimeSpan.FromMilliseconds(20);
    /// <summary>When the servers left alone are read: well within their 30-s check interval.</summary>
    private static readonly TimeSpan AloneWindow = TimeSpan.FromSeconds(20);
    /// <summary>Time for late health-log rows (a false transition) to be written before the log is read.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private enum Fault { Kill, Hang }

    public static async Task<int> RunAsync(int rounds, int servers)
    {
        var results = new List<Round>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var fault in (Fault[])[Fault.Kill, Fault.Hang])
            {
                results.Add(await RunRoundAsync(fault, servers, round));
            }
        }
        Console.Write(Report(results, servers, rounds));
        return results.All(r => r.Passed) ? 0 : 1;
    }

    private sealed record Round(
        Fault Fault,
        IReadOnlyList<TimeSpan?> Polled,
        IReadOnlyList<TimeSpan?> Alone,
        int CatalogShowsMove,
        IReadOnlyList<TimeSpan?> SurvivorDetected,
        int FalseDisconnects,
        IReadOnlyList<int> DisconnectedPerFailed)
    {
        public int Moved => Polled.Count + Alone.Count;

        /// <summary>Broken, not slow: a polled server never shown, a failure never shown, a transition invented or lost.</summary>
        public bool Passed => Polled.All(m => m is not null) && SurvivorDetected.All(d => d is not null)
            && FalseDisconnects == 0 && DisconnectedPerFailed.All(n => n == 1);
    }

    private static async Task<Round> RunRoundAsync(Fault fault, int servers, int number)
    {
        Log($"failover round {number}, {Name(fault)}: two silos, {servers} servers");
        await using var rig = await FleetRig.StartAsync(servers, stateful: false, silos: 2);
        await rig.RegisterUpToAsync(servers, CheckIntervalSeconds);
        await rig.WaitForStatusCountAsync("healthy", servers, Patience);
        var names = Enumerable.Range(0, servers).Select(FleetRig.ServerName).ToList();
        var owners = await Eventually.MatchesAsync(
            () => OwnersAsync(rig.Admin, names), o => o.Values.All(s => s?.Silo is not null), Patience, "every server's silo");
        var held = rig.Silos.ToDictionary(s => s, s => Enumerable.Range(0, servers).Where(i => s.IsAddressOf(owners[names[i]]!.Silo!)).ToList());
        if (held.Values.Sum(h => h.Count) != servers)
        {
            throw new InvalidOperationException($"Not every server's silo is one of ours: {string.Join(", ", owners.Values.Select(o => o!.Silo).Distinct())}");
        }
        var victim = held.MaxBy(h => h.Value.Count).Key;
        var survivor = rig.Silos.Single(s => s != victim);
        var victimAddress = owners[names[held[victim][0]]]!.Silo!;
        var moved = held[victim].Select(FleetRig.ServerName).ToList();
        var failing = held[survivor].Take(SurvivorFailures).ToList();
        Log($"  victim {victimAddress} holds {moved.Count}, the survivor {held[survivor].Count}");

        using var admin = survivor.ClientAs("admin", role => FleetRig.Token(role));
        // A grain on a frozen silo never answers: the next poll should not wait for it.
        admin.Timeout = TimeSpan.FromSeconds(2);
        using var caller = survivor.ClientAs("operator", role => FleetRig.Token(role));
        using var viewer = survivor.ClientAs("viewer", role => FleetRig.Token(role));
        var polled = moved.Where((_, i) => i % 2 == 0).ToList();
        var alone = moved.Where((_, i) => i % 2 == 1).ToList();
        var interval = PollInterval(polled.Count);

        var brokenAt = DateTimeOffset.UtcNow;
        if (fault is Fault.Kill)
        {
            victim.Kill();
        }
        else
        {
            await victim.SuspendAsync();
        }
        // Staggered, so the polls of the victim's servers spread over each interval.
        var watching = polled.Select((name, i) => MovedAsync(admin, name, victimAddress, brokenAt, interval, interval * i / polled.Count)).ToList();
        var detected = await FailOnSurvivorAsync(rig.Fleet, caller, viewer, failing);
        var visible = await Task.WhenAll(watching);
        var woken = await WokenAsync(admin, alone, victimAddress, brokenAt);
        if (fault is Fault.Hang)
        {
            victim.Kill();
        }
        var catalog = await CatalogShowsMoveAsync(viewer, moved, victimAddress, brokenAt);
        await Task.Delay(Settle);
        var disconnects = (await rig.Database.QueryAsync(
            "SELECT server_name, count(*)::int FROM omni2.mcp_health_log WHERE event_type = 'disconnected' GROUP BY server_name",
            r => (Name: r.GetString(0), Rows: r.GetInt32(1)))).ToDictionary(r => r.Name, r => r.Rows);
        var failed = failing.Select(FleetRig.ServerName).ToHashSet();
        var round = new Round(
            fault,
            visible,
            woken,
            catalog,
            detected,
            disconnects.Where(d => !failed.Contains(d.Key)).Sum(d => d.Value),
            [.. failed.Select(n => disconnects.GetValueOrDefault(n))]);
        Log($"  checked again on the survivor: polled (every {interval.TotalMilliseconds:0} ms) {visible.Count(v => v is not null)} of {polled.Count}, the last after {Show(Last(visible))}; "
            + $"left alone {woken.Count(v => v is not null)} of {alone.Count}, the last after {Show(Last(woken))}; /status shows {catalog} moved; "
            + $"survivor's failures shown after {string.Join(", ", detected.Select(Show))}; "
            + $"false disconnected rows {round.FalseDisconnects}, per failed server {string.Join(",", round.DisconnectedPerFailed)}");
        return round;
    }

    private sealed record Owner(string? Silo, DateTimeOffset? LastCheckAt)
    {
        public static Owner Of(JsonElement status) => new(
            status.TryGetProperty("silo", out var silo) ? silo.GetString() : null,
            status.TryGetProperty("last_check_at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : null);

        public bool MovedFrom(string victim, DateTimeOffset brokenAt) => Silo is { } silo && silo != victim && LastCheckAt > brokenAt;
    }

    /// <summary>Every server's status from its grain; null for one that did not answer.</summary>
    private static async Task<Dictionary<string, Owner?>> OwnersAsync(HttpClient admin, IReadOnlyList<string> names)
    {
        var owners = new ConcurrentDictionary<string, Owner?>();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, _) => owners[name] = await OwnerAsync(admin, name));
        return new Dictionary<string, Owner?>(owners);
    }

    private static async Task<Owner?> OwnerAsync(HttpClient admin, string server)
    {
        try
        {
            using var response = await admin.GetAsync($"/api/v1/mcp/servers/{server}");
            return response.IsSuccessStatusCode ? Owner.Of((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status")) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>About 500 detail requests a second in all, so the polls do not starve the survivor.</summary>
    private static TimeSpan PollInterval(int servers) => TimeSpan.FromMilliseconds(Math.Max(25, 2 * servers));

    /// <summary>From the break until the survivor shows <paramref name="server"/> checked again elsewhere (null: not within <see cref="Patience"/>).</summary>
    private static async Task<TimeSpan?> MovedAsync(HttpClient admin, string server, string victim, DateTimeOffset brokenAt, TimeSpan interval, TimeSpan offset)
    {
        await Task.Delay(offset);
        var seen = await RestProbes.FirstSeenAsync(
            async () => await OwnerAsync(admin, server) is { } owner && owner.MovedFrom(victim, brokenAt), Patience - offset, interval);
        return seen - brokenAt;
    }

    /// <summary>
    /// Reads the servers left alone once, <see cref="AloneWindow"/> after the break: from the break until
    /// each one's first check on another silo (null: none yet). A grain this read activates reports
    /// the check it made before the break.
    /// </summary>
    private static async Task<List<TimeSpan?>> WokenAsync(HttpClient admin, IReadOnlyList<string> servers, string victim, DateTimeOffset brokenAt)
    {
        var readAt = brokenAt + AloneWindow;
        if (readAt > DateTimeOffset.UtcNow)
        {
            await Task.Delay(readAt - DateTimeOffset.UtcNow);
        }
        var owners = await OwnersAsync(admin, servers);
        return [.. servers.Select(s => owners[s] is { } owner && owner.MovedFrom(victim, brokenAt) ? owner.LastCheckAt - brokenAt : null)];
    }

    /// <summary>
    /// Kills each server at the fleet and calls it through the survivor (the failing call is what
    /// notices: no check is due); returns, per server, the time from the call's answer until the
    /// survivor's <c>/status</c> showed it down.
    /// </summary>
    private static async Task<List<TimeSpan?>> FailOnSurvivorAsync(FleetProcess fleet, HttpClient caller, HttpClient viewer, IReadOnlyList<int> servers)
    {
        var seen = servers.Select(s => RestProbes.FirstSeenAsync(RestProbes.ListPoller(viewer, FleetRig.ServerName(s)), Patience, ListInterval)).ToList();
        var answered = new List<DateTimeOffset>();
        foreach (var server in servers)
        {
            await fleet.KillAsync(server, server);
            try
            {
                using var response = await RestProbes.CallEchoAsync(caller, FleetRig.ServerName(server), "failover");
                if (response.StatusCode != HttpStatusCode.BadGateway)
                {
                    Log($"  the call to {FleetRig.ServerName(server)} answered {(int)response.StatusCode}, not 502");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Log($"  the call to {FleetRig.ServerName(server)} failed: {ex.Message}");
            }
            answered.Add(DateTimeOffset.UtcNow);
        }
        return [.. (await Task.WhenAll(seen)).Zip(answered, (shown, call) => shown - call)];
    }

    /// <summary>How many of the moved servers the survivor's catalog shows on another silo, checked after the break.</summary>
    private static async Task<int> CatalogShowsMoveAsync(HttpClient viewer, IReadOnlyCollection<string> moved, string victim, DateTimeOffset brokenAt)
    {
        var list = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status");
        return list.GetProperty("servers").EnumerateArray()
            .Count(s => moved.Contains(s.GetProperty("name").GetString()) && Owner.Of(s).MovedFrom(victim, brokenAt));
    }

    private static string Report(IReadOnlyList<Round> rounds, int servers, int perFault)
    {
        var text = new StringBuilder();
        text.Append(Invariant($"Silo loss: {perFault} round(s) per fault, each on a fresh database with two silo processes (production timings) and {servers} stateless fleet servers checked every {CheckIntervalSeconds} s. "));
        text.Append("The victim is the silo holding more servers. On the survivor, every other one of its servers is polled on the grain-served detail view (every 2 ms × the servers polled, at least 25 ms) ");
        text.Append(Invariant($"until it names another silo and a check after the break, the others are left alone; meanwhile up to {SurvivorFailures} servers the survivor holds are killed, each followed by a failing tool call through the survivor, "));
        text.AppendLine(Invariant($"whose catalog-served `/status` is polled every {ListInterval.TotalMilliseconds:0} ms. Waits end after {Patience.TotalSeconds:0} s."));
        text.AppendLine();
        text.AppendLine("| fault | victim's servers | watched | break → checked again on the survivor, p50 | max | until the last one, per round | missed |");
        text.AppendLine("| --- | ---: | --- | ---: | ---: | --- | ---: |");
        foreach (var group in rounds.GroupBy(r => r.Fault))
        {
            void Row(string watched, Func<Round, IReadOnlyList<TimeSpan?>> spans)
            {
                var all = group.SelectMany(spans).ToList();
                var (p50, max, missed) = Summary(all);
                text.AppendLine(Invariant($"| {Name(group.Key)} | {all.Count} | {watched} | {p50} | {max} | {string.Join(", ", group.Select(r => spans(r).Count == 0 ? "none" : Show(Last(spans(r)))))} | {missed} |"));
            }
            Row("polled on the survivor's detail view until it shows the move (each poll may activate the grain)", r => r.Polled);
            Row(Invariant($"left alone, read once {AloneWindow.TotalSeconds:0} s after the break (their `last_check_at`)"), r => r.Alone);
        }
        text.AppendLine();
        text.AppendLine(Invariant($"The survivor's catalog-served `/status` showed {rounds.Sum(r => r.CatalogShowsMove)} of the {rounds.Sum(r => r.Moved)} moved servers on the survivor with a check after the break, at the end of their rounds."));
        text.AppendLine();
        text.AppendLine("| fault | survivor's servers failed | failing call → `/status` shows it down, p50 | max | missed | false `disconnected` rows | `disconnected` rows per failed server |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var group in rounds.GroupBy(r => r.Fault))
        {
            var detected = group.SelectMany(r => r.SurvivorDetected).ToList();
            var (p50, max, missed) = Summary(detected);
            var perFailed = group.SelectMany(r => r.DisconnectedPerFailed).ToList();
            var rows = perFailed.Count == 0 ? "none failed" : perFailed.All(n => n == 1) ? "1 each" : $"{perFailed.Min()} to {perFailed.Max()} (expected 1)";
            text.AppendLine(Invariant($"| {Name(group.Key)} | {detected.Count} | {p50} | {max} | {missed} | {group.Sum(r => r.FalseDisconnects)} | {rows} |"));
        }
        return text.ToString();
    }

    /// <summary>p50 and max of what was seen, in ms, and how many were not.</summary>
    private static (string P50, string Max, string Missed) Summary(IReadOnlyList<TimeSpan?> spans)
    {
        var sorted = spans.OfType<TimeSpan>().Select(s => s.TotalMilliseconds).Order().ToList();
        var missed = Invariant($"{spans.Count - sorted.Count} of {spans.Count}");
        return sorted.Count == 0 ? ("n/a", "n/a", missed) : (Invariant($"{Percentiles.Of(sorted, 0.5):N0} ms"), Invariant($"{sorted[^1]:N0} ms"), missed);
    }

    /// <summary>The slowest, or null when one was never seen (or there were none).</summary>
    private static TimeSpan? Last(IReadOnlyList<TimeSpan?> spans) => spans.Count > 0 && spans.All(s => s is not null) ? spans.Max() : null;

    private static string Name(Fault fault) => fault is Fault.Kill ? "kill (SIGKILL)" : "hang (SIGSTOP, then SIGKILL)";

    private static string Show(TimeSpan? span) => span is { } s ? Invariant($"{s.TotalSeconds:0.00} s") : "missed";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Log(string message) => Console.Error.WriteLine(message);
}
