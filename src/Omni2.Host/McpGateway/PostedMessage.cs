using System.Runtime.InteropServices;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Omni2.Host.McpGateway;

/// <summary>
/// What a JSON-RPC message POSTed to <c>/mcp</c> says before the SDK reads it, for the steps in front
/// of it (the audit, the rate limits): read once per request, the body left in place for the SDK.
/// </summary>
public sealed record PostedMessage(JsonElement Id, bool IsToolCall, string? ToolName, int ArgumentBytes)
{
    private static readonly JsonElement NoId = JsonDocument.Parse("null").RootElement.Clone();
    private static readonly PostedMessage Unreadable = new(NoId, false, null, 0);

    /// <summary>The message of this POST to <c>/mcp</c>; one the SDK cannot read is one without a method (the SDK says what is wrong).</summary>
    public static async ValueTask<PostedMessage> ReadAsync(HttpContext context)
    {
        if (context.Features.Get<PostedMessage>() is { } read)
        {
            return read;
        }
        var message = await ParseAsync(context.Request);
        context.Features.Set(message);
        return message;
    }

    private static async ValueTask<PostedMessage> ParseAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            var root = document.RootElement;
            if (root.ValueKind is not JsonValueKind.Object)
            {
                return Unreadable;
            }
            var id = root.TryGetProperty("id", out var given) ? given.Clone() : NoId;
            var call = root.TryGetProperty("method", out var method) && method.ValueKind is JsonValueKind.String && method.ValueEquals(RequestMethods.ToolsCall);
            string? tool = null;
            var argumentBytes = 0;
            if (call && root.TryGetProperty("params", out var parameters) && parameters.ValueKind is JsonValueKind.Object)
            {
                tool = parameters.TryGetProperty("name", out var name) && name.ValueKind is JsonValueKind.String ? Text(name) : null;
                argumentBytes = parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is JsonValueKind.Object
                    ? JsonMarshal.GetRawUtf8Value(arguments).Length
                    : 0;
            }
            return new PostedMessage(id, call, tool, argumentBytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a method that is not Unicode (an escaped lone surrogate): the SDK says what is wrong.
            return Unreadable;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    /// <summary>A string's text, or null when it is not Unicode (an escaped lone surrogate).</summary>
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
