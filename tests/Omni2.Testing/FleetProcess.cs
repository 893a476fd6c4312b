using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Omni2.Testing;

/// <summary>
/// The fleet (<c>tests/Omni2.Testing.Fleet</c>) as its own process: thousands of MCP servers over
/// streamable HTTP, server <c>i</c> at <see cref="Endpoint"/>, with its control API.
/// </summary>
public sealed class FleetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _control;

    private FleetProcess(Process process, Uri baseAddress, int size)
    {
        _process = process;
        BaseAddress = baseAddress;
        Size = size;
        _control = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public int Size { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts a fleet of <paramref name="size"/> servers; stateful ones keep a session and a GET stream per client.</summary>
    public static async Task<FleetProcess> StartAsync(int size, bool stateful = false)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(BuildDirectory, "Omni2.Testing.Fleet.dll"));
        start.ArgumentList.Add("--servers");
        start.ArgumentList.Add(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (stateful)
        {
            start.ArgumentList.Add("--stateful");
        }
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            var line = await ListeningLineAsync(process).WaitAsync(TimeSpan.FromSeconds(60))
                ?? throw new InvalidOperationException("The fleet exited before it listened.");
            return new FleetProcess(process, new Uri(line["listening ".Length..]), size);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private static async Task<string?> ListeningLineAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                // Whatever else it prints must still be read, or a full pipe would stall it.
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return line;
            }
        }
        return null;
    }

    /// <summary>The MCP endpoint of server <paramref name="server"/>.</summary>
    public Uri Endpoint(int server) => new(BaseAddress, $"/servers/{server}/mcp");

    /// <summary>Resets every open request of these servers and every new one: a crash.</summary>
    public Task KillAsync(int first, int last) => ControlAsync("kill", first, last);

    public Task ReviveAsync(int first, int last) => ControlAsync("revive", first, last);

    /// <summary>HTTP 500 for every new request; open streams stay open.</summary>
    public Task BreakAsync(int first, int last) => ControlAsync("break", first, last);

    public Task SlowAsync(int first, int last, TimeSpan delay) => ControlAsync("slow", first, last, $"&ms={(int)delay.TotalMilliseconds}");

    /// <summary>Requests served, tool calls, open requests, and how many servers are in each mode.</summary>
    public async Task<JsonElement> StatsAsync() => await _control.GetFromJsonAsync<JsonElement>("/control/stats");

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private async Task ControlAsync(string action, int first, int last, string extra = "")
    {
        using var response = await _control.PostAsync($"/control/{action}?servers={first}-{last}{extra}", null);
        response.EnsureSuccessStatusCode();
    }

    private static string BuildDirectory => RepoPaths.BuildOutput(Path.Combine("tests", "Omni2.Testing.Fleet"), "Omni2.Testing.Fleet.dll");
}
