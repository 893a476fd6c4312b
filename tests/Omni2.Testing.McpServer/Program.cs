using System.Net;
using System.Runtime.InteropServices;

namespace Omni2.Testing.McpServer;

/// <summary>Runs the test server on its own (a named class, so the gateway's host keeps the name Program).</summary>
public static class StandaloneProgram
{
    public static async Task Main(string[] args)
    {
        // Standalone entry point: dotnet run -- --port 5100 [--host 0.0.0.0]
        // Inside a container bind 0.0.0.0, otherwise other containers cannot reach it.
        var port = int.Parse(ArgValue("--port") ?? "5100", System.Globalization.CultureInfo.InvariantCulture);
        var host = IPAddress.Parse(ArgValue("--host") ?? "127.0.0.1");

        await using var server = await TestMcpServer.StartAsync(host, port);
        Console.WriteLine($"Test MCP server listening on {host}:{server.Port} (streamable HTTP {TestMcpServer.McpPath}, SSE {TestMcpServer.McpPath}/sse)");

        // Stop on Ctrl+C or SIGTERM (docker stop).
        var stop = new TaskCompletionSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        await stop.Task;

        string? ArgValue(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
    }
}
