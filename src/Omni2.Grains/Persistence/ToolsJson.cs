using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>The <c>tools</c> column: <c>[{"name", "description", "input_schema"}]</c>, schemas verbatim.</summary>
public static class ToolsJson
{
    public static string Serialize(ImmutableArray<McpToolInfo> tools)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var tool in tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                writer.WriteString("description", tool.Description);
                writer.WritePropertyName("input_schema");
                writer.WriteRawValue(tool.InputSchemaJson);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static ImmutableArray<McpToolInfo> Deserialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(tool => new McpToolInfo
        {
            Name = tool.GetProperty("name").GetString()!,
            Description = tool.TryGetProperty("description", out var description) ? description.GetString() : null,
            InputSchemaJson = tool.GetProperty("input_schema").GetRawText(),
        })];
    }
}
