using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Omni2.Testing.McpServer;

/// <summary>
/// A tool whose whole definition (description, input schema) is given as data, so a test can present
/// a changed definition of the same tool while the server runs (a "rug pull"). A call answers
/// <c>"{name}: {description}"</c>, so the caller can tell which definition served it.
/// </summary>
public sealed class DefinedTool(string name, string description, string inputSchemaJson, Action counted) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = name,
        Description = description,
        InputSchema = JsonDocument.Parse(inputSchemaJson).RootElement.Clone(),
    };

    public override IReadOnlyList<object> Metadata => [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        counted();
        return ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = $"{name}: {description}" }] });
    }
}
