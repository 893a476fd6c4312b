using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.Auth;

namespace Omni2.Testing;

/// <summary>
/// The real host as its own process (<c>dotnet Omni2.Host.dll</c>) on loopback ports, for tests
/// that kill silos: <see cref="Kill"/> is SIGKILL, <see cref="SuspendAsync"/> SIGSTOP, <see cref="StopGracefullyAsync"/> SIGTERM.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, int httpPort, int siloPort)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        SiloPort = siloPort;
    }

    public Uri BaseAddress { get; }

    public int SiloPort { get; }

    /// <summary>Whether an Orleans silo address (<c>S127.0.0.1:PORT:GENERATION</c>, or <c>127.0.0.1:PORT@GENERATION</c>) names this process's silo.</summary>
    public bool IsAddressOf(string silo) =>
        silo.Contains($":{SiloPort}:", StringComparison.Ordinal) || silo.Contains($":{SiloPort}@", StringComparison.Ordinal);

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts a silo with <see cref="TestTimings.Fast"/> unless <paramref name="fastTimings"/> is false (then the real defaults),
    /// under <paramref name="launcher"/> when given (a command line that ends by running the rest, such as <see cref="WithoutCapabilities"/>).
    /// </summary>
    public static async Task<SiloProcess> StartAsync(
        string connectionString, string serviceId, IReadOnlyDictionary<string, string?>? settings = null, bool fastTimings = true,
        IReadOnlyList<string>? launcher = null)
    {
        var (httpPort, siloPort) = (Ports.Free(), Ports.Free());
        string[] command = [.. launcher ?? [], "dotnet", Path.Combine(HostDirectory, "Omni2.Host.dll")];
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = HostDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }
        var environment = new Dictionary<string, string?>(fastTimings ? TestTimings.Fast : [])
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Orleans:ServiceId"] = serviceId,
            ["Orleans:ClusterId"] = serviceId,
            ["Orleans:SiloPort"] = siloPort.ToString(),
            ["Orleans:AdvertisedIPAddress"] = "127.0.0.1",
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Auth:SigningKey"] = ApiHost.SigningKey,
            ["Omni2:Catalog:ResyncInterval"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in TestTimings.GenerousRateLimits.Concat(settings ?? new Dictionary<string, string?>()))
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }
        var process = Process.Start(start)!;
        // The end of standard error, to say why a silo that exited did.
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                errors.Enqueue(text);
                if (errors.Count > 40)
                {
                    errors.TryDequeue(out var _);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var silo = new SiloProcess(process, httpPort, siloPort);
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.MatchesAsync(
            async () =>
            {
                try
                {
                    return process.HasExited ? HttpStatusCode.Gone : (await http.GetAsync("/health/ready")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
                catch (TaskCanceledException)
                {
                    return HttpStatusCode.RequestTimeout;
                }
            },
            status => status is HttpStatusCode.OK or HttpStatusCode.Gone,
            TimeSpan.FromSeconds(60),
            $"silo on port {siloPort} to be ready");
        if (process.HasExited)
        {
            await process.WaitForExitAsync(); // and for its output to be read
            var exitCode = process.ExitCode;
            await silo.DisposeAsync();
            throw new InvalidOperationException($"The silo on port {siloPort} exited with {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }
        return silo;
    }

    /// <summary>
    /// A launcher that runs the silo with no Linux capabilities, as the image's non-root user runs it, when
    /// this process has some (root, as on CI); null when it has none, since then neither has the silo.
    /// <c>setpriv</c> execs the silo, so its process id stays the silo's.
    /// </summary>
    public static IReadOnlyList<string>? WithoutCapabilities =>
        File.ReadLines("/proc/self/status").Any(l => l.StartsWith("CapEff:", StringComparison.Ordinal) && Convert.ToUInt64(l[7..].Trim(), 16) != 0)
            ? ["setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"]
            : null;

    /// <summary>
    /// A token every silo started here accepts (they share <see cref="ApiHost.SigningKey"/>), valid
    /// for two hours.
    /// </summary>
    public static string Token(string role, string user = "test") => Tokens.Issue(user, role, TimeSpan.FromHours(2));

    private static readonly TokenIssuer Tokens = new(new AuthOptions(), new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ApiHost.SigningKey)));

    /// <summary>A real HTTP client of this silo, with a token for <paramref name="role"/>.</summary>
    public HttpClient ClientAs(string role, TokenIssuing issuing)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuing(role));
        return client;
    }

    /// <summary>SIGKILL: the process dies at once, no shutdown code runs.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>
    /// SIGSTOP: the process freezes, a hung host that keeps its sockets open and answers nothing.
    /// <see cref="Kill"/> and disposal still end it (SIGKILL needs no SIGCONT).
    /// </summary>
    public Task SuspendAsync() => SignalAsync("STOP");

    /// <summary>SIGTERM: the host shuts down gracefully.</summary>
    public async Task StopGracefullyAsync()
    {
        await SignalAsync("TERM");
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static string HostDirectory => RepoPaths.BuildOutput(Path.Combine("src", "Omni2.Host"), "Omni2.Host.dll");
}

/// <summary>Mints a token for a role.</summary>
public delegate string TokenIssuing(string role);
