using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Omni2.Benchmarks;

/// <summary>What one wrk run reported, and the CPU time wrk itself used.</summary>
public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx, long SocketErrors, long Timeouts)
{
    public TimeSpan CpuTime { get; init; }
}

/// <summary>Runs <c>wrk</c> (two threads, closed loop) and reads its summary.</summary>
public static partial class Wrk
{
    public const int Threads = 2;
    public const int Connections = 64;

    /// <param name="script">A wrk Lua script (e.g. <see cref="PostScript"/>'s), or none for a plain GET.</param>
    public static async Task<WrkResult> RunAsync(Uri url, TimeSpan duration, string authorization, string? script = null)
    {
        // Through bash, whose 'times' reports its children's CPU time: wrk shares the cores with the host.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-c", "wrk \"$@\"; status=$?; times >&2; exit $status", "wrk",
            $"-t{Threads}", $"-c{Connections}", $"-d{(int)Math.Ceiling(duration.TotalSeconds)}s", "--latency",
            // wrk leaves requests slower than its timeout (2 s by default) out of the latencies: a 3 MB
            // response on a busy 2-core machine can take that long, and the p99 must include it.
            "--timeout", "10s",
            // Both endpoints get the same request bytes; the static one ignores the header.
            "-H", $"Authorization: {authorization}",
            url.ToString(),
        })
        {
            start.ArgumentList.Add(arg);
        }
        if (script is not null)
        {
            start.ArgumentList.Add("-s");
            start.ArgumentList.Add(script);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output;
        var errors = await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {errors}{text}");
        }
        return Parse(text) with { CpuTime = ChildrenCpu(errors) };
    }

    /// <summary>Writes a wrk script that POSTs <paramref name="body"/> with <paramref name="headers"/> on every request; returns its path.</summary>
    public static string PostScript(string body, IReadOnlyDictionary<string, string> headers)
    {
        var path = Path.Combine(Path.GetTempPath(), $"omni2-bench-{Guid.NewGuid():N}.lua");
        var text = new System.Text.StringBuilder("wrk.method = \"POST\"\n");
        text.Append(CultureInfo.InvariantCulture, $"wrk.body = {LuaString(body)}\n");
        foreach (var (name, value) in headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"wrk.headers[ {LuaString(name)} ] = {LuaString(value)}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>A Lua long string: no escapes to get wrong (the level grows until the text cannot end it).</summary>
    private static string LuaString(string text)
    {
        var level = "";
        while (text.Contains($"]{level}]", StringComparison.Ordinal))
        {
            level += "=";
        }
        return $"[{level}[{text}]{level}]";
    }

    /// <summary>The second line of bash's <c>times</c>: user and system time of its children, e.g. <c>0m1.250s 0m3.020s</c>.</summary>
    private static TimeSpan ChildrenCpu(string times)
    {
        var lines = times.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2)
        {
            throw new FormatException($"Unexpected output of bash's times: {times}");
        }
        return Times().Matches(lines[^1]).Aggregate(TimeSpan.Zero, (sum, m) =>
            sum + TimeSpan.FromMinutes(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                + TimeSpan.FromSeconds(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
    }

    public static WrkResult Parse(string text)
    {
        var socket = SocketErrors().Match(text);
        return new WrkResult(
            Number(RequestsPerSecond().Match(text).Groups[1].Value, text),
            Latency(text, "50%"),
            Latency(text, "99%"),
            (long)Number(Requests().Match(text).Groups[1].Value, text),
            NonSuccess().Match(text) is { Success: true } non2xx ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            socket.Success ? Enumerable.Range(1, 3).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture)) : 0,
            socket.Success ? long.Parse(socket.Groups[4].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Latency(string text, string percentile)
    {
        var match = Regex.Match(text, $@"^\s+{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = Number(match.Groups[1].Value, text);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            _ => value * 1000,
        };
    }

    private static double Number(string value, string text) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"Unexpected wrk output:\n{text}");

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex Times();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
