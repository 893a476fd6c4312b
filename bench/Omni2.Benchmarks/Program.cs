namespace Omni2.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Omni2.Benchmarks -- api|push|scale [--quick] [--stateful]</c>. An explicit
/// class: top-level statements would declare a second <c>Program</c>, hiding the host's.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var quick = args.Skip(1).Contains("--quick");
        var stateful = args.Skip(1).Contains("--stateful");
        if (args.Skip(1).Any(o => o is not ("--quick" or "--stateful")))
        {
            return await UsageAsync();
        }
        return args.FirstOrDefault() switch
        {
            "api" => await ApiBenchmark.RunAsync(quick ? BenchSettings.Quick : BenchSettings.Full),
            "push" => await PushBenchmark.RunAsync(quick ? 150 : 1000),
            "scale" => await ScaleBenchmark.RunAsync(quick ? [100] : [1_000, 10_000], intervalSeconds: quick ? 5 : 30, intervals: 3, stateful),
            _ => await UsageAsync(),
        };
    }

    private static async Task<int> UsageAsync()
    {
        await Console.Error.WriteLineAsync("usage: Omni2.Benchmarks api|push|scale [--quick] [--stateful]");
        return 2;
    }
}
