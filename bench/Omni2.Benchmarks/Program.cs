namespace Omni2.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Omni2.Benchmarks -- api|push|calls|detect|scale|storm|failover|mcp-memory|dashboard|reload|scale-out|catalog [--quick] [--stateful] [--servers N[,N...]] [--silos N[,N...]] [--interval S] [--fail K]</c>. An explicit
/// class: top-level statements would declare a second <c>Program</c>, hiding the host's.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var options = args.Skip(1).ToList();
        var quick = options.Remove("--quick");
        var stateful = options.Remove("--stateful");
        // --servers N: one fleet size instead of the mode's own (storm, failover, mcp-memory, dashboard, catalog; reload: its storm); --interval S: the check interval (scale, storm); --fail K: how many of the servers fail (storm).
        // scale: --servers is a comma-separated list of sizes, one after another in one silo; scale-out: --servers and --silos are lists (--servers 1000,10000 --silos 1,2,3).
        var sizes = TakeNumbers(options, "--servers");
        var silos = TakeNumbers(options, "--silos");
        var servers = sizes is [var one] ? one : (int?)null;
        var interval = TakeNumber(options, "--interval");
        var failing = TakeNumber(options, "--fail");
        var lists = args.FirstOrDefault() is "scale-out" || (args.FirstOrDefault() is "scale" && silos is null) || (sizes is null or [_] && silos is null);
        if (options.Count > 0 || !lists || sizes?.Any(n => n < 0) == true || silos?.Any(n => n < 1) == true || interval < 1 || failing < 1 || failing > (servers ?? 1000))
        {
            return await UsageAsync();
        }
        return args.FirstOrDefault() switch
        {
            "api" => await ApiBenchmark.RunAsync(quick ? BenchSettings.Quick : BenchSettings.Full),
            "push" => await PushBenchmark.RunAsync(quick ? 150 : 1000),
            "calls" => await CallsBenchmark.RunAsync(quick ? CallSettings.Quick : CallSettings.Full),
            "detect" => await DetectBenchmark.RunAsync(quick ? 5 : 40),
            "storm" => await StormBenchmark.RunAsync(servers ?? (quick ? 100 : 1000), failing ?? servers ?? (quick ? 100 : 1000), interval ?? 30),
            "failover" => await FailoverBenchmark.RunAsync(rounds: quick ? 1 : 5, servers ?? (quick ? 20 : 200)),
            "mcp-memory" => await McpMemoryBenchmark.RunAsync(McpMemorySettings.Of(quick, servers)),
            "dashboard" => await DashboardBenchmark.RunAsync(servers is { } fleet ? [fleet] : quick ? [100] : [1_000, 10_000]),
            "scale" => await ScaleBenchmark.RunAsync(sizes ?? (quick ? [100] : [1_000, 10_000]), interval ?? (quick ? 5 : 30), intervals: 3, stateful),
            "scale-out" => await ScaleOutBenchmark.RunAsync(sizes ?? (quick ? [300] : [1_000, 10_000]), silos ?? (quick ? [1, 2] : [1, 2, 3]), interval ?? (quick ? 5 : 30), intervals: quick ? 2 : 3),
            "catalog" => await CatalogBenchmark.RunAsync(servers ?? (quick ? 1_000 : 100_000)),
            "reload" => await ReloadBenchmark.RunAsync(changes: quick ? 10 : 50, storm: servers ?? (quick ? 200 : 10_000)),
            _ => await UsageAsync(),
        };
    }

    private static int? TakeNumber(List<string> options, string name)
    {
        var at = options.IndexOf(name);
        if (at < 0 || at + 1 >= options.Count || !int.TryParse(options[at + 1], out var value))
        {
            return at < 0 ? null : -1;
        }
        options.RemoveRange(at, 2);
        return value;
    }

    /// <summary>A comma-separated list of numbers; null when absent, empty when malformed.</summary>
    private static List<int>? TakeNumbers(List<string> options, string name)
    {
        var at = options.IndexOf(name);
        if (at < 0)
        {
            return null;
        }
        var values = at + 1 < options.Count ? options[at + 1].Split(',') : [];
        var numbers = values.Select(v => int.TryParse(v, out var n) ? n : -1).ToList();
        options.RemoveRange(at, Math.Min(2, options.Count - at));
        return numbers.Count == 0 || numbers.Contains(-1) ? [-1] : numbers;
    }

    private static async Task<int> UsageAsync()
    {
        await Console.Error.WriteLineAsync("usage: Omni2.Benchmarks api|push|calls|detect|scale|storm|failover|mcp-memory|dashboard|reload|scale-out|catalog [--quick] [--stateful] [--servers N[,N...]] [--silos N[,N...]] [--interval S] [--fail K]");
        return 2;
    }
}
