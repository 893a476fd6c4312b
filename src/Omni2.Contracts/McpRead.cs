namespace Omni2.Contracts;

/// <summary>What an <see cref="McpReadRequest"/> reads.</summary>
public enum McpReadKind
{
    /// <summary><c>resources/read</c> of a resource URI, as the server lists it.</summary>
    Resource,
    /// <summary><c>prompts/get</c> of a prompt name, as the server lists it.</summary>
    Prompt,
}

/// <summary>
/// A read to proxy to the server that owns it. Its result is a <see cref="ToolCallResult"/>: reads are
/// admitted, bounded, mapped and counted against the server's health exactly like tool calls, and its
/// <see cref="ToolCallResult.ContentJson"/> is the whole MCP result (<c>ReadResourceResult</c> or <c>GetPromptResult</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("omni2.McpReadRequest")]
public sealed record McpReadRequest(
    [property: Id(0)] McpReadKind Kind,
    /// <summary>The server's own resource URI or prompt name.</summary>
    [property: Id(1)] string Name,
    /// <summary>A prompt's arguments as a JSON object of strings, or null for none; never for a resource.</summary>
    [property: Id(2)] string? ArgumentsJson = null);
