using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// The health check of a streamable-HTTP server on a revision without sessions (2026-07-28 on, where
/// <c>ping</c> is gone and <c>tools/list</c> is the check), posted here rather than through the SDK.
/// Without a session the request is the same every time, its per-request <c>_meta</c> included, so it
/// is rendered once; and an answer whose bytes hash as the last one's did is a healthy, unchanged
/// list without being parsed. Through the SDK every check built that <c>_meta</c> anew, parsed the
/// whole answer into a JSON tree, passed it through the session's queue, and re-wrote it to compare
/// (BENCHMARKS.md, fleet scale, has what this saved). A changed answer is read by the
/// <see cref="ToolListReader"/> (later pages through the SDK), within the same caps.
/// </summary>
internal sealed class StatelessToolsCheck
{
    private const string CheckId = "omni2-check";
    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptEvents = new("text/event-stream");
    private static readonly MediaTypeHeaderValue JsonBody = new("application/json") { CharSet = "utf-8" };
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly byte[] IdProperty = "id"u8.ToArray();
    private static readonly byte[] CheckIdValue = Encoding.UTF8.GetBytes(CheckId);

    /// <summary>The check's request, the same for every connection of a revision: rendered once per silo.</summary>
    private static readonly ConcurrentDictionary<(string Version, string Client, string ClientVersion), byte[]> Bodies = new();

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly string _protocolVersion;
    private readonly ToolListReader _tools;
    private readonly byte[] _body;

    public StatelessToolsCheck(
        HttpClient http, Uri endpoint, IReadOnlyDictionary<string, string> headers, string protocolVersion, Implementation client, ToolListReader tools)
    {
        _http = http;
        _endpoint = endpoint;
        _headers = headers;
        _protocolVersion = protocolVersion;
        _tools = tools;
        _body = Bodies.GetOrAdd((protocolVersion, client.Name, client.Version), Render);
    }

    /// <summary>What the SDK puts in every request's _meta on this revision: the protocol version, who asks, and what it can do.</summary>
    private static byte[] Render((string Version, string Client, string ClientVersion) key) =>
        JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(new JsonRpcRequest
        {
            Id = new RequestId(CheckId),
            Method = RequestMethods.ToolsList,
            Params = new JsonObject
            {
                ["_meta"] = new JsonObject
                {
                    [MetaKeys.ProtocolVersion] = key.Version,
                    [MetaKeys.ClientInfo] = JsonSerializer.SerializeToNode(new Implementation { Name = key.Client, Version = key.ClientVersion }, McpJsonUtilities.DefaultOptions),
                    [MetaKeys.ClientCapabilities] = JsonSerializer.SerializeToNode(new ClientCapabilities(), McpJsonUtilities.DefaultOptions),
                },
            },
        }, McpJsonUtilities.DefaultOptions);

    /// <summary>Whether a connection can be checked this way: streamable HTTP on a revision whose requests each say who they are.</summary>
    public static bool Applies(McpServerConfig config, string? protocolVersion) =>
        config.Transport is McpTransport.StreamableHttp && string.CompareOrdinal(protocolVersion, "2026-07-28") >= 0;

    /// <summary>The tools, or null when the server answered exactly what it answered last time. A failure throws.</summary>
    public async Task<ImmutableArray<McpToolInfo>?> CheckAsync(CancellationToken cancellationToken)
    {
        var answer = await PostAsync(cancellationToken);
        return await _tools.ReadIfNewAsync(SHA256.HashData(answer), () => JsonSerializer.Deserialize(answer, MessageType) switch
        {
            JsonRpcResponse response => response.Result,
            JsonRpcError error => throw new McpProtocolException(error.Error.Message, (McpErrorCode)error.Error.Code),
            _ => throw new McpException("tools/list was answered with no response"),
        }, cancellationToken);
    }

    /// <summary>Posts the check and returns the JSON-RPC message that answers it, as sent.</summary>
    private async Task<byte[]> PostAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(_body) };
        request.Content.Headers.ContentType = JsonBody;
        request.Headers.Accept.Add(AcceptJson);
        request.Headers.Accept.Add(AcceptEvents);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", _protocolVersion);
        request.Headers.TryAddWithoutValidation("Mcp-Method", RequestMethods.ToolsList);
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Options.Set(ResponseLimits.Method, RequestMethods.ToolsList);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        switch (response.Content.Headers.ContentType?.MediaType)
        {
            case "application/json":
                using (var copy = new MemoryStream())
                {
                    await body.CopyToAsync(copy, cancellationToken);
                    return copy.ToArray();
                }
            case "text/event-stream":
                // The answer is the event that carries this request's id; a server may send notifications before it.
                // As the SDK does, nothing after the answer is waited for: a server that kept the stream open would
                // otherwise fail every check by its timeout (the handler drains what the server still sends).
                await foreach (var item in SseParser.Create(body, (_, data) => data.ToArray()).EnumerateAsync(cancellationToken))
                {
                    if (item.EventType == SseParser.EventTypeDefault && Answers(item.Data))
                    {
                        return item.Data;
                    }
                }
                throw new McpException("tools/list: the event stream ended without an answer");
            case var other:
                throw new McpException($"tools/list was answered as {other ?? "no content type"}");
        }
    }

    /// <summary>Whether a message is the answer to the check: its top-level id is the check's.</summary>
    private static bool Answers(byte[] message)
    {
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals(IdProperty);
                reader.Read();
                if (isId)
                {
                    return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(CheckIdValue);
                }
                reader.Skip();
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
