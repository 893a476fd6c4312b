using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.Grains.Servers;

/// <summary>
/// A proxied <c>resources/read</c> or <c>prompts/get</c>: the checks before it (a prompt's arguments are a
/// JSON object of strings), the read itself under the server's call timeout, and what its ending means,
/// mapped by <see cref="ToolCallMapper.Failure"/> as a tool call's is (outcome, and whether it was the server's fault).
/// </summary>
public static class McpReadMapper
{
    public static async Task<(ToolCallResult Result, bool ServerFault)> ReadAsync(
        McpConnection connection, string server, McpServerConfig config, McpServerListings listings, McpReadRequest request, CancellationToken cancellationToken)
    {
        var what = request.Kind is McpReadKind.Resource ? $"resource {request.Name}" : $"prompt {request.Name}";
        if (!TryParsePromptArguments(request, out var arguments, out var argumentError))
        {
            return (ToolCallMapper.Failed(ToolCallOutcome.InvalidArguments, argumentError), false);
        }
        // A name outside ASCII cannot travel in the request's Mcp-Name header: one the server never listed is
        // unknown here, as an unlisted tool is, rather than a failure that would count against the server.
        if (request.Kind is McpReadKind.Prompt && !Ascii.IsValid(request.Name) && !listings.Prompts.Any(p => p.Key == request.Name))
        {
            return (ToolCallMapper.Failed(ToolCallOutcome.UnknownTool, $"'{server}' has no prompt '{request.Name}'"), false);
        }
        if (request.Kind is McpReadKind.Resource && !Ascii.IsValid(request.Name))
        {
            return (ToolCallMapper.Failed(ToolCallOutcome.InvalidArguments, "a resource URI is ASCII: percent-encode other characters"), false);
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            var json = request.Kind is McpReadKind.Resource
                ? McpConnection.ToJson(await connection.ReadResourceAsync(request.Name, config.CallTimeout, cancellationToken))
                : McpConnection.ToJson(await connection.GetPromptAsync(request.Name, arguments, config.CallTimeout, cancellationToken));
            return (new ToolCallResult
            {
                Outcome = ToolCallOutcome.Completed,
                ContentJson = json,
                DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            }, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (ToolCallMapper.Failed(ToolCallOutcome.Cancelled, $"the read of {what} was cancelled by its caller", Stopwatch.GetElapsedTime(started).TotalMilliseconds), false);
        }
        catch (Exception ex)
        {
            return ToolCallMapper.Failure(ex, server, what, config.CallTimeoutSeconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>A prompt's arguments: a JSON object (as a tool's are) whose every value is a string, as MCP's prompts take them.</summary>
    private static bool TryParsePromptArguments(McpReadRequest request, out IReadOnlyDictionary<string, JsonElement> arguments, out string error)
    {
        if (request.Kind is McpReadKind.Resource)
        {
            arguments = new Dictionary<string, JsonElement>();
            error = request.ArgumentsJson is null ? "" : "a resource read takes no arguments";
            return request.ArgumentsJson is null;
        }
        if (!ToolCallMapper.TryParseArguments(request.ArgumentsJson, out arguments, out error))
        {
            return false;
        }
        if (arguments.FirstOrDefault(p => p.Value.ValueKind is not JsonValueKind.String) is { Key: { } name, Value: var value })
        {
            error = $"prompt arguments are strings; '{name}' is {value.ValueKind.ToString().ToLowerInvariant()}";
            return false;
        }
        return true;
    }
}
