using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Pinning;

/// <summary>
/// A tool's definition as it is pinned: canonical JSON of its name, description, input schema,
/// output schema and annotations (object keys sorted at every depth, no whitespace), so the same
/// definition always gives the same text whatever order or spacing the server sent, and its
/// SHA-256 digest (<c>sha256:</c> and lowercase hex).
/// </summary>
public sealed record ToolDefinition(string Json, string Digest)
{
    public static ToolDefinition Of(McpToolInfo tool)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteRaw(writer, "annotations", tool.AnnotationsJson);
            writer.WriteString("description", tool.Description);
            WriteRaw(writer, "input_schema", tool.InputSchemaJson);
            writer.WriteString("name", tool.Name);
            WriteRaw(writer, "output_schema", tool.OutputSchemaJson);
            writer.WriteEndObject();
        }
        var bytes = buffer.ToArray();
        return new ToolDefinition(Encoding.UTF8.GetString(bytes), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static void WriteRaw(Utf8JsonWriter writer, string name, string? json)
    {
        writer.WritePropertyName(name);
        if (json is null)
        {
            writer.WriteNullValue();
            return;
        }
        using var document = JsonDocument.Parse(json);
        WriteCanonical(writer, document.RootElement);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
