using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// Reads one connection's <c>tools/list</c>, every page, within the caps on pages, tools, schema and
/// list bytes (<see cref="UpstreamOptions"/>), into protocol results (the SDK's tool wrappers, which a
/// call through the client would need, cost more than the check they would serve).
/// It remembers a digest of the last one-page answer it read, so a health check whose list has not
/// changed is answered without turning the answer into tools: on a stateless server every check is a
/// <c>tools/list</c>, and most of its cost was that conversion.
/// </summary>
internal sealed class ToolListReader(UpstreamClient client, UpstreamOptions limits)
{
    private static readonly JsonTypeInfo<ListToolsResult> ResultType =
        (JsonTypeInfo<ListToolsResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ListToolsResult));

    private byte[]? _lastAnswer;

    /// <summary>The whole list.</summary>
    public async Task<ImmutableArray<McpToolInfo>> ReadAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(ifChanged: false, cancellationToken))!.Value;

    /// <summary>The whole list, or null when the server answered exactly what it answered last time.</summary>
    public Task<ImmutableArray<McpToolInfo>?> ReadIfChangedAsync(CancellationToken cancellationToken) =>
        ReadAsync(ifChanged: true, cancellationToken);

    private async Task<ImmutableArray<McpToolInfo>?> ReadAsync(bool ifChanged, CancellationToken cancellationToken)
    {
        var answer = await client.UseAsync(c => c.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ToolsList }, cancellationToken));
        var digest = Digest(answer.Result);
        if (!ifChanged)
        {
            _lastAnswer = null;
        }
        return await ReadIfNewAsync(digest, () => answer.Result, cancellationToken);
    }

    /// <summary>
    /// The list that starts with a <c>tools/list</c> answer whose digest is <paramref name="digest"/>, or null
    /// when the last answer read had the same digest (only <paramref name="answer"/> parses it into its result).
    /// </summary>
    public async Task<ImmutableArray<McpToolInfo>?> ReadIfNewAsync(byte[] digest, Func<JsonNode?> answer, CancellationToken cancellationToken)
    {
        if (_lastAnswer is { } last && digest.AsSpan().SequenceEqual(last))
        {
            return null;
        }
        var (tools, onePage) = await ReadFromAsync(answer(), cancellationToken);
        // A list of several pages could change on a later page: only a one-page answer stands for the list.
        _lastAnswer = onePage ? digest : null;
        return tools;
    }

    /// <summary>The list that starts with <paramref name="firstAnswer"/> (the result of a <c>tools/list</c> without a cursor), and whether it was all of it.</summary>
    private async Task<(ImmutableArray<McpToolInfo> Tools, bool OnePage)> ReadFromAsync(JsonNode? firstAnswer, CancellationToken cancellationToken)
    {
        var page = JsonSerializer.Deserialize(firstAnswer, ResultType) ?? throw new McpException("tools/list returned no result");
        var counter = new ListPageCounter("tool list", "tools", limits);
        var tools = ImmutableArray.CreateBuilder<McpToolInfo>();
        var bytes = 0L;
        counter.NextPage();
        Add(tools, page, counter, ref bytes);
        var onePage = page.NextCursor is null;
        while (page.NextCursor is { } cursor)
        {
            counter.NextPage();
            page = await client.UseAsync(c => c.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, cancellationToken).AsTask());
            Add(tools, page, counter, ref bytes);
        }
        return (tools.ToImmutable(), onePage);
    }

    private void Add(ImmutableArray<McpToolInfo>.Builder tools, ListToolsResult page, ListPageCounter counter, ref long bytes)
    {
        counter.Listed(page.Tools.Count);
        foreach (var tool in page.Tools)
        {
            var info = new McpToolInfo
            {
                Name = tool.Name,
                Description = tool.Description,
                InputSchemaJson = tool.InputSchema.GetRawText(),
                OutputSchemaJson = tool.OutputSchema?.GetRawText(),
                AnnotationsJson = tool.Annotations is { } annotations ? JsonSerializer.Serialize(annotations, McpJsonUtilities.DefaultOptions) : null,
            };
            var schemaBytes = Encoding.UTF8.GetByteCount(info.InputSchemaJson) + Encoding.UTF8.GetByteCount(info.OutputSchemaJson ?? "");
            if (schemaBytes > limits.MaxSchemaBytes)
            {
                throw UpstreamLimitExceededException.Over("tool schema", $"{schemaBytes} bytes", limits.MaxSchemaBytes, nameof(UpstreamOptions.MaxSchemaBytes));
            }
            bytes += schemaBytes + Encoding.UTF8.GetByteCount(info.Name) + Encoding.UTF8.GetByteCount(info.Description ?? "");
            if (bytes > limits.MaxToolListBytes)
            {
                throw limits.AnswerTo(RequestMethods.ToolsList).Exceeded(bytes);
            }
            tools.Add(info);
        }
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>SHA-256 of the answer as it was sent (its JSON, re-written unchanged): 32 bytes kept per connection.</summary>
    private static byte[] Digest(JsonNode? answer)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(8192);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (answer is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                answer.WriteTo(writer);
            }
        }
        return SHA256.HashData(buffer.WrittenSpan);
    }
}
