using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.Grains.Servers;

/// <summary>
/// A proxied tool call from request to result: the checks before it (the tool exists, the
/// arguments are a JSON object), the call itself, and what its ending means: the outcome (and so
/// the HTTP status) the caller gets, and whether a failure was the server's fault. Only a server's
/// fault counts against its health: otherwise one caller repeating a bad call could take a server
/// offline for everyone. Everything but <see cref="CallAsync"/> is pure.
/// </summary>
public static class ToolCallMapper
{
    /// <summary>Calls <paramref name="request"/>'s tool on a healthy server's connection.</summary>
    public static async Task<(ToolCallResult Result, bool ServerFault)> CallAsync(
        McpConnection connection, string server, McpServerConfig config, IReadOnlyList<McpToolInfo> tools,
        ToolCallRequest request, CancellationToken cancellationToken)
    {
        if (request.Hidden || !tools.Any(t => t.Name == request.Tool))
        {
            return (Failed(ToolCallOutcome.UnknownTool, $"MCP server '{server}' has no tool '{request.Tool}'"), false);
        }
        if (!TryParseArguments(request.ArgumentsJson, out var arguments, out var argumentError))
        {
            return (Failed(ToolCallOutcome.InvalidArguments, argumentError), false);
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await connection.CallToolAsync(request.Tool, arguments, config.CallTimeout, cancellationToken);
            return (Bounded(Completed(result, Stopwatch.GetElapsedTime(started).TotalMilliseconds), server, request.Tool, connection.Limits), false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (Failed(ToolCallOutcome.Cancelled, $"the call of '{request.Tool}' was cancelled by its caller", Stopwatch.GetElapsedTime(started).TotalMilliseconds), false);
        }
        catch (Exception ex)
        {
            return Failure(ex, server, request.Tool, config.CallTimeoutSeconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>The server is not healthy (or still reconnecting): 503, with when to retry.</summary>
    public static ToolCallResult Unavailable(string server, HealthStatus status, TimeSpan? retryAfter) => new()
    {
        Outcome = ToolCallOutcome.Unavailable,
        Detail = status is HealthStatus.Healthy ? $"MCP server '{server}' is reconnecting" : $"MCP server '{server}' is {status.ToWire()}",
        RetryAfter = retryAfter,
    };

    /// <summary>The server already has its <c>max_concurrent_calls</c> in flight: try again in a second.</summary>
    public static ToolCallResult Busy(string server, int limit) => new()
    {
        Outcome = ToolCallOutcome.Unavailable,
        Detail = $"MCP server '{server}' has {limit} calls in flight, its max_concurrent_calls",
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// Parses the arguments: absent or null is none; anything but a JSON object is an error, and so is a
    /// name given twice (which value would the tool get?) or text that is not Unicode (an escaped lone
    /// surrogate, <c>"\ud800"</c>, which JSON's grammar allows and no call can send on).
    /// </summary>
    public static bool TryParseArguments(string? json, out IReadOnlyDictionary<string, JsonElement> arguments, out string error)
    {
        arguments = new Dictionary<string, JsonElement>();
        error = "";
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind is JsonValueKind.Null)
            {
                return true;
            }
            if (document.RootElement.ValueKind is not JsonValueKind.Object)
            {
                error = $"arguments must be a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
                return false;
            }
            ReadAllText(document.RootElement);
            arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            error = $"arguments are not valid JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads every name and string as the call will write them; throws <see cref="InvalidOperationException"/> on text that is not Unicode.</summary>
    private static void ReadAllText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadAllText(item);
                }
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadAllText(property.Value);
                }
                break;
        }
    }

    /// <summary>The server answered: its result, an <c>isError</c> result included.</summary>
    public static ToolCallResult Completed(CallToolResult result, double durationMs) => new()
    {
        Outcome = ToolCallOutcome.Completed,
        ContentJson = McpConnection.ToJson(result.Content),
        StructuredContentJson = result.StructuredContent?.GetRawText(),
        IsError = result.IsError ?? false,
        DurationMs = durationMs,
    };

    /// <summary>
    /// A result within <see cref="UpstreamOptions.MaxToolResultBytes"/>. Over HTTP a larger one
    /// already failed while it was read; a stdio server's is only measured here, once the SDK read it.
    /// </summary>
    public static ToolCallResult Bounded(ToolCallResult result, string server, string tool, UpstreamOptions limits)
    {
        var bytes = Encoding.UTF8.GetByteCount(result.ContentJson ?? "") + Encoding.UTF8.GetByteCount(result.StructuredContentJson ?? "");
        return bytes <= limits.MaxToolResultBytes ? result : Failed(
            ToolCallOutcome.UpstreamFailure,
            $"MCP server '{server}' failed during '{tool}': {limits.AnswerTo(RequestMethods.ToolsCall).Exceeded(bytes).Message}",
            result.DurationMs);
    }

    public static ToolCallResult Failed(ToolCallOutcome outcome, string detail, double durationMs = 0) => new()
    {
        Outcome = outcome,
        Detail = detail,
        DurationMs = durationMs,
    };

    /// <summary>A call that threw: what the caller gets, and whether it counts as a failed check.</summary>
    public static (ToolCallResult Result, bool ServerFault) Failure(Exception exception, string server, string tool, int timeoutSeconds, double durationMs)
    {
        switch (exception)
        {
            case TimeoutException:
                // One slow tool proves nothing about the server (the caller may have asked for a long
                // job); the health check, bounded by its own timeout, decides whether it still answers.
                return (Failed(ToolCallOutcome.Timeout, $"MCP server '{server}' did not answer '{tool}' within {timeoutSeconds} s", durationMs), false);
            case McpProtocolException protocol:
                // The server answered with a JSON-RPC error: it is alive.
                var outcome = protocol.ErrorCode switch
                {
                    McpErrorCode.InvalidParams => ToolCallOutcome.InvalidArguments,
                    McpErrorCode.MethodNotFound or McpErrorCode.ResourceNotFound => ToolCallOutcome.UnknownTool,
                    _ => ToolCallOutcome.UpstreamFailure,
                };
                return (Failed(outcome, $"MCP server '{server}' rejected '{tool}': {protocol.Message}", durationMs), false);
        }
        var fault = IsServerFault(exception);
        var status = StatusOf(exception);
        var detail = status is not null && !fault
            ? $"MCP server '{server}' refused '{tool}': {UpstreamError.Describe(exception)}"
            : $"MCP server '{server}' failed during '{tool}': {UpstreamError.Describe(exception)}";
        return (Failed(ToolCallOutcome.UpstreamFailure, detail, durationMs), fault);
    }

    /// <summary>
    /// The server's fault: it could not be reached or the connection broke (refused, reset, a stdio
    /// process that exited), it answered the MCP endpoint with HTTP 5xx, 404 or a redirect (its
    /// endpoint moved, and redirects are not followed), or it did not answer in time. Not its fault:
    /// any other 4xx (the caller's request, e.g. oversized arguments), a JSON-RPC or tool error, an
    /// answer over a cap (one call asked for too much), a cancellation by the caller.
    /// </summary>
    public static bool IsServerFault(Exception exception)
    {
        if (exception is OperationCanceledException and not TaskCanceledException { InnerException: TimeoutException })
        {
            return false;
        }
        if (StatusOf(exception) is { } status)
        {
            return (int)status is >= 500 or (>= 300 and < 400) || status is HttpStatusCode.NotFound;
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException or HttpRequestException or SocketException or IOException or ObjectDisposedException)
            {
                return true;
            }
            if (e is McpProtocolException)
            {
                return false;
            }
        }
        // The SDK reports a session that ended (a stdio exit, a closed transport) as an McpException
        // or an InvalidOperationException about the transport.
        return exception is McpException or InvalidOperationException
            && (exception.Message.Contains("transport", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("closed", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase));
    }

    private static HttpStatusCode? StatusOf(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { StatusCode: { } status })
            {
                return status;
            }
        }
        return null;
    }
}
