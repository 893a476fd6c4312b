using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.UnitTests.Persistence;

public sealed class ToolsJsonTests
{
    private static readonly ImmutableArray<McpToolInfo> Tools =
    [
        new() { Name = "echo", Description = "Echoes \"text\"", InputSchemaJson = """{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}""" },
        new() { Name = "ping", Description = null, InputSchemaJson = """{"type":"object"}""" },
    ];

    [Fact]
    public void Tools_round_trip_with_their_schemas_verbatim()
    {
        var back = ToolsJson.Deserialize(ToolsJson.Serialize(Tools));

        Assert.Equal(Tools.ToArray(), back.ToArray());
    }

    [Fact]
    public void The_column_holds_name_description_and_input_schema()
    {
        using var document = JsonDocument.Parse(ToolsJson.Serialize(Tools));

        var echo = document.RootElement[0];
        Assert.Equal(["name", "description", "input_schema"], echo.EnumerateObject().Select(p => p.Name));
        Assert.Equal("string", echo.GetProperty("input_schema").GetProperty("properties").GetProperty("text").GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, document.RootElement[1].GetProperty("description").ValueKind);
    }

    [Fact]
    public void A_row_without_a_description_reads_as_none_and_an_empty_list_as_no_tools()
    {
        var tools = ToolsJson.Deserialize("""[{"name":"t","input_schema":{"type":"object"}}]""");

        Assert.Null(Assert.Single(tools).Description);
        Assert.Empty(ToolsJson.Deserialize("[]"));
    }
}
