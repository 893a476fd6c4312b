using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>The <c>tools</c> column: <c>[{"name", "description", "input_schema", "output_schema"?, "annotations"?}]</c>, schemas verbatim.</summary>
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
                WriteOptional(writer, "output_schema", tool.OutputSchemaJson);
                WriteOptional(writer, "annotations", tool.AnnotationsJson);
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
            OutputSchemaJson = tool.TryGetProperty("output_schema", out var output) ? output.GetRawText() : null,
            AnnotationsJson = tool.TryGetProperty("annotations", out var annotations) ? annotations.GetRawText() : null,
        })];
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? json)
    {
        if (json is not null)
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(json);
        }
    }
}
