using Omni2.Contracts;
using Omni2.Grains.Pinning;

namespace Omni2.UnitTests.Pinning;

public sealed class ToolDefinitionTests
{
    private static McpToolInfo Tool(string schema, string? output = null, string? annotations = null, string description = "d") =>
        new() { Name = "echo", Description = description, InputSchemaJson = schema, OutputSchemaJson = output, AnnotationsJson = annotations };

    [Fact]
    public void Key_order_and_whitespace_do_not_change_the_digest()
    {
        var a = ToolDefinition.Of(Tool("""{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"""));
        var b = ToolDefinition.Of(Tool("""{ "properties": { "b": {"type": "integer"}, "a": {"type":"string"} }, "type": "object" }"""));

        Assert.Equal(a.Digest, b.Digest);
        Assert.Equal(a.Json, b.Json);
    }

    [Fact]
    public void Every_part_of_the_definition_counts()
    {
        var schema = """{"type":"object"}""";
        var digests = new[]
        {
            ToolDefinition.Of(Tool(schema)),
            ToolDefinition.Of(Tool(schema, description: "other")),
            ToolDefinition.Of(Tool("""{"type":"object","required":["x"]}""")),
            ToolDefinition.Of(Tool(schema, output: """{"type":"object"}""")),
            ToolDefinition.Of(Tool(schema, annotations: """{"readOnlyHint":true}""")),
            ToolDefinition.Of(Tool(schema) with { Name = "echo2" }),
        }.Select(d => d.Digest);

        Assert.Equal(6, digests.Distinct().Count());
    }

    [Fact]
    public void Array_order_counts()
    {
        Assert.NotEqual(
            ToolDefinition.Of(Tool("""{"required":["a","b"]}""")).Digest,
            ToolDefinition.Of(Tool("""{"required":["b","a"]}""")).Digest);
    }

    [Fact]
    public void The_digest_is_sha256_of_the_canonical_json()
    {
        var definition = ToolDefinition.Of(Tool("""{"type":"object"}"""));

        Assert.Equal("""{"annotations":null,"description":"d","input_schema":{"type":"object"},"name":"echo","output_schema":null}""", definition.Json);
        Assert.Equal(
            "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(definition.Json))),
            definition.Digest);
    }
}
