using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>
/// The <c>listings</c> column: <c>{"prompts", "resources", "resource_templates"}</c>, each
/// <c>[{"key", "definition"}]</c>, the definitions verbatim; a list missing (the column's <c>{}</c>) is empty.
/// </summary>
public static class ListingsJson
{
    private const string Prompts = "prompts";
    private const string Resources = "resources";
    private const string ResourceTemplates = "resource_templates";

    public static string Serialize(McpServerListings listings)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteList(writer, Prompts, listings.Prompts);
            WriteList(writer, Resources, listings.Resources);
            WriteList(writer, ResourceTemplates, listings.ResourceTemplates);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static McpServerListings Deserialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var listings = new McpServerListings(ReadList(root, Prompts), ReadList(root, Resources), ReadList(root, ResourceTemplates));
        return listings.SameAs(McpServerListings.Empty) ? McpServerListings.Empty : listings;
    }

    private static void WriteList(Utf8JsonWriter writer, string name, ImmutableArray<McpListedItem> items)
    {
        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writer.WriteStartObject();
            writer.WriteString("key", item.Key);
            writer.WritePropertyName("definition");
            writer.WriteRawValue(item.Json);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static ImmutableArray<McpListedItem> ReadList(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list)
            ? [.. list.EnumerateArray().Select(item => new McpListedItem(item.GetProperty("key").GetString()!, item.GetProperty("definition").GetRawText()))]
            : [];
}
