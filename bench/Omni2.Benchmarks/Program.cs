namespace Omni2.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Omni2.Benchmarks -- api [--quick]</c>. An explicit class:
/// top-level statements would declare a second <c>Program</c>, hiding the host's.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["api", .. var options] || options.Any(o => o != "--quick"))
        {
            await Console.Error.WriteLineAsync("usage: Omni2.Benchmarks api [--quick]");
            return 2;
        }
        return await ApiBenchmark.RunAsync(options.Contains("--quick") ? BenchSettings.Quick : BenchSettings.Full);
    }
}
