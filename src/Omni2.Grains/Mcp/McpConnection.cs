using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// One live MCP client session to one server (official C# SDK), with the few operations a grain needs.
/// Disposing it closes the session and, for stdio, ends the server's process.
/// </summary>
public sealed class McpConnection : IAsyncDisposable
{
    private readonly McpClient _client;
    private bool _pingUnsupported;

    private McpConnection(McpClient client, long generation)
    {
        _client = client;
        Generation = generation;
    }

    /// <summary>Which connection of its grain this is; reports about an older one are ignored.</summary>
    public long Generation { get; }

    /// <summary>Completes when the session ends on its own (a stdio process exited, a stream dropped).</summary>
    public Task<string> Closed => _client.Completion.ContinueWith(
        t => t.Result.Exception?.Message ?? "session closed", TaskScheduler.Default);

    /// <summary>Connects and initializes a session, bounded by the server's connect timeout.</summary>
    public static async Task<McpConnection> OpenAsync(
        McpServerConfig config, long generation, Func<Task> onToolsChanged, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "omni2", Version = "1.0" },
            InitializationTimeout = config.ConnectTimeout,
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, async (_, _) => await onToolsChanged()),
                ],
            },
        };
        var client = await McpClient.CreateAsync(CreateTransport(config), options, loggerFactory, cancellationToken);
        return new McpConnection(client, generation);
    }

    /// <summary>
    /// A liveness check: <c>ping</c>, or <c>tools/list</c> on a protocol version or server without ping.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!_pingUnsupported)
        {
            try
            {
                await _client.PingAsync(cancellationToken: cancellationToken);
                return;
            }
            catch (Exception ex) when (IsPingUnsupported(ex))
            {
                _pingUnsupported = true;
            }
        }
        await _client.ListToolsAsync(cancellationToken: cancellationToken);
    }

    public async Task<ImmutableArray<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken)
    {
        var tools = await _client.ListToolsAsync(cancellationToken: cancellationToken);
        return [.. tools.Select(t => new McpToolInfo
        {
            Name = t.Name,
            Description = t.Description,
            InputSchemaJson = t.ProtocolTool.InputSchema.GetRawText(),
        })];
    }

    public Task<CallToolResult> CallToolAsync(string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken) =>
        _client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken).AsTask();

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static IClientTransport CreateTransport(McpServerConfig config) => config.Transport switch
    {
        McpTransport.Stdio => new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = config.Name,
            Command = config.Command ?? throw new InvalidOperationException($"Server '{config.Name}' has no command."),
            Arguments = [.. config.Args],
            EnvironmentVariables = config.Env.ToDictionary(p => p.Key, p => (string?)p.Value),
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        }),
        _ => new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = config.Name,
            Endpoint = new Uri(config.Url ?? throw new InvalidOperationException($"Server '{config.Name}' has no URL.")),
            TransportMode = config.Transport == McpTransport.Sse ? HttpTransportMode.Sse : HttpTransportMode.StreamableHttp,
            AdditionalHeaders = config.Headers,
            ConnectionTimeout = config.ConnectTimeout,
            // The grain owns reconnection (with its breaker); the transport must fail fast instead.
            MaxReconnectionAttempts = 0,
        }),
    };

    private static bool IsPingUnsupported(Exception ex) =>
        ex is McpProtocolException { ErrorCode: McpErrorCode.MethodNotFound }
        || (ex is McpException or InvalidOperationException or NotSupportedException
            && ex.Message.Contains("not available", StringComparison.OrdinalIgnoreCase));

    /// <summary>Serializes MCP content the way the protocol spells it.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions);
}
