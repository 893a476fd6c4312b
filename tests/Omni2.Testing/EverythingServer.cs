using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Omni2.Testing;

/// <summary>
/// The official <c>@modelcontextprotocol/server-everything</c> from npm (installed in
/// <c>tests/mcp-servers</c> by the test command): its stdio command line, or a running
/// streamable-HTTP instance on a free loopback port.
/// </summary>
public sealed class EverythingServer : IAsyncDisposable
{
    private readonly Process _process;

    private EverythingServer(Process process, int port)
    {
        _process = process;
        Endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
    }

    public Uri Endpoint { get; }

    public static string Script
    {
        get
        {
            var script = Path.Combine(RepoPaths.Root, "tests", "mcp-servers", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
            return File.Exists(script)
                ? script
                : throw new InvalidOperationException($"{script} is missing: run 'npm ci' in tests/mcp-servers (the test command does).");
        }
    }

    /// <summary>The command and arguments that run it over stdio.</summary>
    public static (string Command, string[] Args) StdioCommand => ("node", [Script, "stdio"]);

    public static async Task<EverythingServer> StartStreamableHttpAsync()
    {
        var port = Ports.Free();
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add("streamableHttp");
        start.Environment["PORT"] = port.ToString();
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("listening", StringComparison.OrdinalIgnoreCase) == true)
            {
                listening.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new EverythingServer(process, port);
    }

    /// <summary>Ends the server's process (as a crash would); <see cref="DisposeAsync"/> may follow.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
