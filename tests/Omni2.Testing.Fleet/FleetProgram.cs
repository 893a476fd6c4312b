using System.ComponentModel;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Omni2.Testing.Fleet;

/// <summary>
/// <c>dotnet Omni2.Testing.Fleet.dll --servers 10000 [--port 0] [--stateful]</c>: one process serving
/// that many MCP servers over streamable HTTP (official C# SDK), server <c>i</c> at
/// <c>/servers/i/mcp</c>, each with the same <see cref="Tools"/>. A control API under
/// <c>/control</c> kills, revives, slows or breaks any range of them. The first line on standard
/// output is <c>listening http://127.0.0.1:PORT</c>.
/// </summary>
public static class FleetProgram
{
    public const int ToolCount = 10;

    public static async Task Main(string[] args)
    {
        var size = int.Parse(Option(args, "--servers") ?? "1000", CultureInfo.InvariantCulture);
        var port = int.Parse(Option(args, "--port") ?? "0", CultureInfo.InvariantCulture);
        var fleet = new Fleet(size);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, port);
            o.Limits.MaxConcurrentConnections = null;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Standard output carries the one line that says where the fleet listens.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Killed servers reset their requests on purpose: the SDK and Kestrel would log each one.
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Error);
        builder.Services.AddSingleton(fleet);
        builder.Services
            .AddMcpServer(o => o.ToolCollection = [.. Tools(fleet)])
            .WithHttpTransport(o =>
            {
                // Stateless is the protocol's default since 2026-07-28; stateful (sessions, a GET stream
                // per client) is what servers written for earlier revisions still run.
                o.SessionMode = args.Contains("--stateful") ? HttpServerSessionMode.Stateful : HttpServerSessionMode.Stateless;
#pragma warning disable MCP9006 // Part of stateful mode, which the fleet serves on purpose.
                // Every server of the fleet may hold a session: the SDK's default cap (10,000) would evict them.
                o.MaxIdleSessionCount = 1_000_000;
#pragma warning restore MCP9006
                o.ConfigureSessionOptions = (context, options, _) =>
                {
                    options.ServerInfo = new Implementation { Name = $"fleet-{context.GetRouteValue("server")}", Version = "1.0.0" };
                    return Task.CompletedTask;
                };
            });

        var app = builder.Build();
        app.UseRouting();
        app.Use((context, next) => Server(context) switch
        {
            null => next(context),
            { } server when server < fleet.Size => fleet.ServeAsync(server, context, next),
            _ => Results.NotFound().ExecuteAsync(context),
        });
        app.MapMcp("/servers/{server:int}/mcp");
        MapControl(app, fleet);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"listening {address}");
        Console.Out.Flush();
        await app.WaitForShutdownAsync();
    }

    /// <summary>An echo tool, the one calls are measured with, and nine more so a listing has a realistic size.</summary>
    private static IEnumerable<McpServerTool> Tools(Fleet fleet)
    {
        yield return McpServerTool.Create(
            ([Description("Text to return.")] string message) =>
            {
                fleet.CountToolCall();
                return message;
            },
            new() { Name = "echo", Description = "Returns the message." });
        for (var i = 1; i < ToolCount; i++)
        {
            var name = $"lookup_{i}";
            yield return McpServerTool.Create(
                ([Description("The key to look up.")] string key) =>
                {
                    fleet.CountToolCall();
                    return $"{name}: {key}";
                },
                new() { Name = name, Description = $"Looks a key up in table {i}." });
        }
    }

    /// <summary>
    /// <c>POST /control/{kill|revive|break|slow}?servers=FIRST-LAST[&amp;ms=N]</c> (or <c>servers=all</c>),
    /// and <c>GET /control/stats</c>.
    /// </summary>
    private static void MapControl(WebApplication app, Fleet fleet)
    {
        app.MapPost("/control/{action}", (string action, string servers, int? ms) =>
        {
            if (!TryParseRange(servers, fleet.Size, out var range))
            {
                return Results.Problem($"servers must be 'all', 'N' or 'FIRST-LAST' within 0-{fleet.Size - 1}, not '{servers}'", statusCode: 400);
            }
            FleetMode? mode = action switch
            {
                "kill" => FleetMode.Dead,
                "revive" => FleetMode.Normal,
                "break" => FleetMode.Broken,
                "slow" => FleetMode.Slow,
                _ => null,
            };
            return mode is null
                ? Results.Problem($"action must be kill, revive, break or slow, not '{action}'", statusCode: 404)
                : Results.Ok(new { changed = fleet.Set(range, mode.Value, TimeSpan.FromMilliseconds(ms ?? 0)) });
        });
        app.MapGet("/control/stats", () => Results.Ok(new
        {
            servers = fleet.Size,
            requests = fleet.Requests,
            tool_calls = fleet.ToolCalls,
            open_requests = fleet.OpenRequests,
            dead = fleet.CountIn(FleetMode.Dead),
            broken = fleet.CountIn(FleetMode.Broken),
            slow = fleet.CountIn(FleetMode.Slow),
        }));
    }

    private static int? Server(HttpContext context) =>
        context.GetRouteValue("server") is string text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var server)
            ? server
            : null;

    private static bool TryParseRange(string text, int size, out Range range)
    {
        range = default;
        if (text == "all")
        {
            range = Range.All;
            return true;
        }
        var parts = text.Split('-');
        if (parts.Length is not (1 or 2)
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first > last || last >= size)
        {
            return false;
        }
        range = first..(last + 1);
        return true;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
