using System.Text;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Omni2.Testing.McpServer;

/// <summary>
/// What the hostile modes of <see cref="TestMcpServer"/> answer: more tools, pages or schema than a
/// gateway should take (through the SDK's tools/list handler), or answers and lines larger than
/// it should read (written by hand, chunk by chunk from one small buffer, so the server never holds
/// them and the memory a test measures is the gateway's).
/// </summary>
internal static class HostileAnswers
{
    public const int ManyTools = 100_000;
    public const long HugeResultBytes = 50_000_000;
    public const int HugeSchemaBytes = 1024 * 1024;
    public const long LongLineBytes = 64 * 1024 * 1024;

    private static readonly byte[] Filler = Enumerable.Repeat((byte)'x', 64 * 1024).ToArray();
    private static readonly JsonElement SmallSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();
    private static readonly Lazy<JsonElement> HugeSchema = new(() => JsonDocument.Parse(
        $$"""{"type":"object","description":"{{new string('x', HugeSchemaBytes)}}"}""").RootElement.Clone());

    /// <summary>The tools/list handler: in <see cref="TestServerMode.Normal"/> nothing beyond the server's own tools.</summary>
    public static ListToolsResult ListTools(TestServerMode mode, string? cursor) => mode switch
    {
        TestServerMode.ManyTools => new() { Tools = [.. Enumerable.Range(0, ManyTools).Select(i => Tool($"many_{i}", SmallSchema))] },
        TestServerMode.EndlessPages => new() { Tools = [Tool($"page_{cursor ?? "0"}", SmallSchema)], NextCursor = $"{int.Parse(cursor ?? "0") + 1}" },
        TestServerMode.HugeSchema => new() { Tools = [Tool("huge_schema", HugeSchema.Value)] },
        _ => new(),
    };

    /// <summary>Answers a tools/call with <see cref="HugeResultBytes"/> of text, as one server-sent event; true if it was one.</summary>
    public static async Task<bool> TryAnswerToolCallHugelyAsync(HttpContext ctx)
    {
        ctx.Request.EnableBuffering();
        using var request = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        ctx.Request.Body.Position = 0;
        if (!request.RootElement.TryGetProperty("method", out var method) || method.GetString() != RequestMethods.ToolsCall)
        {
            return false;
        }
        var id = request.RootElement.GetProperty("id").GetRawText();
        await WriteEventAsync(ctx, $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"content\":[{{\"type\":\"text\",\"text\":\"", HugeResultBytes, "\"}]}}");
        return true;
    }

    /// <summary>
    /// Answers a <c>tools/list</c> POST with one event listing the tool <c>lingering</c>, then keeps the
    /// stream open until the client goes away or the server stops (the protocol says a server should end it).
    /// </summary>
    public static async Task<bool> TryAnswerToolListAndLingerAsync(HttpContext ctx, CancellationToken stopping)
    {
        if (ctx.Request.Method != HttpMethods.Post)
        {
            return false;
        }
        ctx.Request.EnableBuffering();
        using var request = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        ctx.Request.Body.Position = 0;
        if (!request.RootElement.TryGetProperty("method", out var method) || method.GetString() != RequestMethods.ToolsList)
        {
            return false;
        }
        var id = request.RootElement.GetProperty("id").GetRawText();
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "text/event-stream";
        await ctx.Response.WriteAsync(
            $"event: message\ndata: {{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"tools\":[{{\"name\":\"lingering\",\"inputSchema\":{{\"type\":\"object\"}}}}]}}}}\n\n",
            ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
        await Task.Delay(Timeout.Infinite, linger.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        return true;
    }

    /// <summary>Answers with an event stream whose one line is <see cref="LongLineBytes"/> long.</summary>
    public static Task AnswerWithLongLineAsync(HttpContext ctx) =>
        WriteEventAsync(ctx, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"", LongLineBytes, "\"}}");

    private static async Task WriteEventAsync(HttpContext ctx, string before, long fillerBytes, string after)
    {
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "text/event-stream";
        try
        {
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: message\ndata: {before}"), ctx.RequestAborted);
            for (var left = fillerBytes; left > 0; left -= Filler.Length)
            {
                await ctx.Response.Body.WriteAsync(Filler.AsMemory(0, (int)Math.Min(Filler.Length, left)), ctx.RequestAborted);
            }
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"{after}\n\n"), ctx.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading, as a bounded one does.
        }
    }

    private static Tool Tool(string name, JsonElement schema) => new() { Name = name, Description = "hostile", InputSchema = schema };
}
