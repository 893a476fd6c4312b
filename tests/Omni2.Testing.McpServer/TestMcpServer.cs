using System.ComponentModel;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Omni2.Testing.McpServer;

/// <summary>A tool's definition for <c>PUT /control/tools/{name}/definition</c>: <c>{"description", "inputSchema"}</c>.</summary>
public sealed record ToolDefinitionBody(string Description, System.Text.Json.JsonElement InputSchema);

/// <summary>How the server answers requests to its MCP endpoints; tests flip it at runtime.</summary>
public enum TestServerMode
{
    /// <summary>Requests reach the MCP SDK as usual.</summary>
    Normal,

    /// <summary>Requests never get an answer until the mode changes (then they proceed) or the server stops (then the connection is aborted).</summary>
    Hang,

    /// <summary>Every request gets HTTP 500.</summary>
    Error,

    /// <summary>Every request gets HTTP 200 with a body that is not JSON.</summary>
    Garbage,

    /// <summary>Every request gets HTTP 307 to <see cref="TestMcpServer.RedirectTo"/>.</summary>
    Redirect,

    /// <summary>tools/list also lists 100,000 tools, in one answer.</summary>
    ManyTools,

    /// <summary>tools/list pages forever: one tool per page, and always a next cursor.</summary>
    EndlessPages,

    /// <summary>tools/list also lists a tool whose input schema is 1 MiB.</summary>
    HugeSchema,

    /// <summary>Every tools/call is answered with 50 MB of text, as one server-sent event.</summary>
    HugeResult,

    /// <summary>Every request is answered with an event stream whose one line is 64 MiB long.</summary>
    LongEventLine,

    /// <summary>Answers every <c>tools/list</c> (one tool, <c>lingering</c>) and then keeps the answer's stream open.</summary>
    LingeringStream,
}

/// <summary>
/// A small, controllable MCP server (Streamable HTTP at <c>/mcp</c>, legacy SSE at <c>/mcp/sse</c>)
/// that integration tests host in-process and that also runs standalone (see Program.cs).
/// </summary>
public sealed class TestMcpServer : IAsyncDisposable
{
    public const string McpPath = "/mcp";

    private readonly IPAddress _bindAddress;

    // Owned here rather than by the host so that tools added at runtime survive RestartAsync,
    // and shared by every session so that changing it notifies every connected client.
    private readonly McpServerPrimitiveCollection<McpServerTool> _tools = [];

    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();
    private CancellationTokenSource _modeChanged = new();
    private int _mode;
    private int _toolCallCount;
    private int _requestCount;
    private int _cancelledCallCount;

    private readonly bool _stateless;

    private TestMcpServer(IPAddress bindAddress, int port, bool stateless = false)
    {
        _bindAddress = bindAddress;
        _stateless = stateless;
        Port = port;
        _tools.Add(McpServerTool.Create(
            ([Description("Text to return.")] string message) => Counted(message),
            new() { Name = "echo", Description = "Returns the message." }));
        _tools.Add(McpServerTool.Create(
            (int a, int b) => Counted((a + b).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new() { Name = "add", Description = "Returns a + b." }));
        _tools.Add(McpServerTool.Create(
            async ([Description("How long to wait, in milliseconds.")] int delay_ms, CancellationToken ct) =>
            {
                Interlocked.Increment(ref _toolCallCount);
                try
                {
                    await Task.Delay(delay_ms, ct);
                }
                catch (OperationCanceledException)
                {
                    // The client sent notifications/cancelled (or went away).
                    Interlocked.Increment(ref _cancelledCallCount);
                    throw;
                }
                return "done";
            },
            new() { Name = "slow", Description = "Waits delay_ms, then returns \"done\"." }));
        _tools.Add(McpServerTool.Create(
            ([Description("How many bytes of text to return.")] int bytes) => Counted(new string('x', bytes)),
            new() { Name = "blob", Description = "Returns that many bytes of text." }));
        _tools.Add(McpServerTool.Create(
            () => Counted(new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "fail was called" }] }),
            new() { Name = "fail", Description = "Always returns a tool error (isError = true)." }));
    }

    /// <summary>The port the server listens on; kept across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    public bool IsRunning => _app is not null;

    /// <summary>Streamable HTTP endpoint, e.g. http://127.0.0.1:PORT/mcp.</summary>
    public Uri StreamableHttpEndpoint => new($"http://127.0.0.1:{Port}{McpPath}");

    /// <summary>Legacy HTTP+SSE endpoint (GET stream; the SDK maps the POST side at /mcp/message).</summary>
    public Uri SseEndpoint => new($"http://127.0.0.1:{Port}{McpPath}/sse");

    /// <summary>Number of tool invocations that reached a tool body.</summary>
    public int ToolCallCount => Volatile.Read(ref _toolCallCount);

    /// <summary>Number of HTTP requests that hit the MCP endpoints, whatever the mode.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Calls of <c>slow</c> that were cancelled before they finished.</summary>
    public int CancelledCallCount => Volatile.Read(ref _cancelledCallCount);

    /// <summary>
    /// When set, a request whose body is larger gets HTTP 413, as from a strict upstream or its
    /// proxy: the caller's request is refused, the server itself is fine.
    /// </summary>
    public long? MaxRequestBytes { get; set; }

    /// <summary>Where <see cref="TestServerMode.Redirect"/> sends every request.</summary>
    public Uri RedirectTo { get; set; } = new("http://127.0.0.1:9/elsewhere");

    public IReadOnlyCollection<string> ToolNames => _tools.PrimitiveNames.ToArray();

    public TestServerMode Mode
    {
        get => (TestServerMode)Volatile.Read(ref _mode);
        set
        {
            Volatile.Write(ref _mode, (int)value);
            // Wake requests parked by Hang so they re-read the mode.
            Interlocked.Exchange(ref _modeChanged, new CancellationTokenSource()).Cancel();
        }
    }

    /// <summary>Starts a server on 127.0.0.1; port 0 picks a free port.</summary>
    public static Task<TestMcpServer> StartAsync(int port = 0, CancellationToken ct = default) =>
        StartAsync(IPAddress.Loopback, port, ct);

    /// <summary>
    /// Starts a server on 127.0.0.1 that keeps no sessions (the SDK's default, and the 2026-07-28
    /// revision's): no event stream, no notifications, every request on its own.
    /// </summary>
    public static async Task<TestMcpServer> StartStatelessAsync(CancellationToken ct = default)
    {
        var server = new TestMcpServer(IPAddress.Loopback, 0, stateless: true);
        await server.StartHostAsync(ct);
        return server;
    }

    /// <summary>Starts a server on <paramref name="bindAddress"/> (standalone/containers need 0.0.0.0).</summary>
    public static async Task<TestMcpServer> StartAsync(IPAddress bindAddress, int port, CancellationToken ct = default)
    {
        var server = new TestMcpServer(bindAddress, port);
        await server.StartHostAsync(ct);
        return server;
    }

    /// <summary>
    /// Adds a tool named <paramref name="name"/> that returns "<paramref name="name"/> ok".
    /// Every connected stateful session is sent notifications/tools/list_changed by the SDK.
    /// </summary>
    public Task AddToolAsync(string name)
    {
        _tools.Add(McpServerTool.Create(() => Counted($"{name} ok"), new() { Name = name, Description = $"Runtime-added tool {name}." }));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Adds <paramref name="name"/> with this definition, or replaces the tool of that name with it (a
    /// changed description or schema while running); every connected stateful session is sent
    /// notifications/tools/list_changed. A call of it answers "<paramref name="name"/>: <paramref name="description"/>".
    /// </summary>
    public Task DefineToolAsync(string name, string description, string inputSchemaJson = """{"type":"object"}""")
    {
        if (_tools.TryGetPrimitive(name, out var existing))
        {
            _tools.Remove(existing);
        }
        _tools.Add(new DefinedTool(name, description, inputSchemaJson, () => Interlocked.Increment(ref _toolCallCount)));
        return Task.CompletedTask;
    }

    /// <summary>Removes a tool (also sends notifications/tools/list_changed).</summary>
    public Task<bool> RemoveToolAsync(string name) =>
        Task.FromResult(_tools.TryGetPrimitive(name, out var tool) && _tools.Remove(tool));

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _app, null) is not { } app)
        {
            return;
        }

        // Abort hung requests first, otherwise graceful shutdown would wait for them.
        await _stopping.CancelAsync();
        await app.StopAsync(ct);
        await app.DisposeAsync();
    }

    /// <summary>Stops and starts again on the same port, so clients can reconnect to the same URL (sessions are lost).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct);
        await StartHostAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Mode = TestServerMode.Normal;
    }

    private T Counted<T>(T result)
    {
        Interlocked.Increment(ref _toolCallCount);
        return result;
    }

    private async Task StartHostAsync(CancellationToken ct)
    {
        _stopping = new CancellationTokenSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(_bindAddress, Port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The SDK logs every failing tool call (fail, bad arguments, cancelled slow) as an error; here those are intended.
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Critical);
        // Open SSE streams end on ApplicationStopping; anything else must not stall a test's StopAsync.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "omni2-test-mcp", Version = "1.0.0" };
                o.ToolCollection = _tools;
            })
            .WithListToolsHandler((request, _) => ValueTask.FromResult(HostileAnswers.ListTools(Mode, request.Params?.Cursor)))
            .WithHttpTransport(o =>
            {
                // 2.3.x defaults to Stateless, which cannot push notifications/tools/list_changed and has no SSE.
                // Stateful makes a default (2026-07-28-preferring) client fall back to the initialize handshake.
                o.SessionMode = _stateless ? HttpServerSessionMode.Stateless : HttpServerSessionMode.Stateful;
#pragma warning disable MCP9004 // Legacy SSE is obsolete, but the gateway must still be tested against it.
                o.EnableLegacySse = !_stateless;
#pragma warning restore MCP9004
            });

        var app = builder.Build();
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments(McpPath), mcp => mcp.Use(ApplyModeAsync));
        app.MapMcp(McpPath);
        MapControlEndpoints(app);

        await app.StartAsync(ct);
        _app = app;

        // Port 0 means Kestrel picked one: read it back so RestartAsync reuses it.
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Port = new Uri(address).Port;
    }

    private async Task ApplyModeAsync(HttpContext ctx, RequestDelegate next)
    {
        Interlocked.Increment(ref _requestCount);
        while (true)
        {
            // Take the wake-up token before reading the mode so a concurrent change is never missed.
            var modeChanged = Volatile.Read(ref _modeChanged).Token;
            switch (Mode)
            {
                case TestServerMode.Hang:
                    using (var wait = CancellationTokenSource.CreateLinkedTokenSource(modeChanged, ctx.RequestAborted, _stopping.Token))
                    {
                        await Task.Delay(Timeout.Infinite, wait.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    }

                    if (ctx.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
                    {
                        ctx.Abort(); // the client sees a dropped connection, as with a dead server
                        return;
                    }

                    continue;

                case TestServerMode.Error:
                    ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    await ctx.Response.WriteAsync("injected failure", ctx.RequestAborted);
                    return;

                case TestServerMode.Garbage:
                    // Claims JSON so the client really tries to parse it.
                    ctx.Response.StatusCode = StatusCodes.Status200OK;
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.WriteAsync("<html>this is not json", ctx.RequestAborted);
                    return;

                case TestServerMode.Redirect:
                    ctx.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                    ctx.Response.Headers.Location = RedirectTo.ToString();
                    return;

                case TestServerMode.LongEventLine:
                    await HostileAnswers.AnswerWithLongLineAsync(ctx);
                    return;

                case TestServerMode.HugeResult when ctx.Request.Method == HttpMethods.Post && await HostileAnswers.TryAnswerToolCallHugelyAsync(ctx):
                    return;

                case TestServerMode.LingeringStream when await HostileAnswers.TryAnswerToolListAndLingerAsync(ctx, _stopping.Token):
                    return;

                default:
                    if (MaxRequestBytes is { } limit && await BodyLengthAsync(ctx) > limit)
                    {
                        ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                        await ctx.Response.WriteAsync($"request larger than {limit} bytes", ctx.RequestAborted);
                        return;
                    }
                    await next(ctx);
                    return;
            }
        }
    }

    /// <summary>The request body's length (clients may send it chunked, without Content-Length); the body stays readable.</summary>
    private static async Task<long> BodyLengthAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is { } declared)
        {
            return declared;
        }
        ctx.Request.EnableBuffering();
        using var copy = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(copy, ctx.RequestAborted);
        ctx.Request.Body.Position = 0;
        return copy.Length;
    }

    // Lets tests drive a standalone instance (e.g. in docker-compose) the way in-process tests use the properties.
    private void MapControlEndpoints(WebApplication app)
    {
        app.MapGet("/health", () => "ok");
        app.MapGet("/control/stats", () => $"mode={Mode} toolCalls={ToolCallCount} requests={RequestCount} tools={string.Join(',', ToolNames)}");
        app.MapPost("/control/mode/{mode}", (string mode) =>
        {
            if (!Enum.TryParse<TestServerMode>(mode, ignoreCase: true, out var parsed))
            {
                return Results.BadRequest($"unknown mode {mode}");
            }

            Mode = parsed;
            return Results.Ok(parsed.ToString());
        });
        app.MapPost("/control/tools/{name}", async (string name) =>
        {
            await AddToolAsync(name);
            return Results.Ok(name);
        });
        app.MapPut("/control/tools/{name}/definition", async (string name, ToolDefinitionBody body) =>
        {
            await DefineToolAsync(name, body.Description, body.InputSchema.GetRawText());
            return Results.Ok(name);
        });
    }
}
