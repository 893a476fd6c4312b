using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// One live MCP connection to one server (official C# SDK), with the few operations a grain needs: a
/// session, or for a sessionless server what its discovery answered (<see cref="UpstreamClient"/>).
/// Disposing it closes the session and, for stdio, ends the server's process.
/// </summary>
public sealed class McpConnection : IAsyncDisposable
{
    private readonly UpstreamClient _client;
    private readonly Task<string> _streamBroken;
    private readonly ToolListReader _tools;
    private readonly ListingReader _listings;
    private readonly StatelessToolsCheck? _stateless;
    private bool _pingUnsupported;
    private volatile bool _closing;

    private static readonly Implementation ClientInfo = new() { Name = "omni2", Version = "1.0" };

    private McpConnection(UpstreamClient client, long generation, Task<string> streamBroken, UpstreamOptions limits, McpServerConfig config, (HttpClient Client, Uri Endpoint)? http)
    {
        _client = client;
        _streamBroken = streamBroken;
        Generation = generation;
        Limits = limits;
        _tools = new ToolListReader(client, limits);
        _listings = new ListingReader(client, limits);
        _stateless = http is { } posting && StatelessToolsCheck.Applies(config, client.NegotiatedProtocolVersion)
            ? new StatelessToolsCheck(posting.Client, posting.Endpoint, config.Headers, client.NegotiatedProtocolVersion!, ClientInfo, _tools)
            : null;
        // Protocol 2026-07-28 removed ping; tools/list is the check there.
        _pingUnsupported = string.CompareOrdinal(client.NegotiatedProtocolVersion, "2026-07-28") >= 0;
    }

    /// <summary>Closing was asked for here: what ends the session then is no failure to report.</summary>
    public bool IsClosing => _closing;

    /// <summary>Which connection of its grain this is; reports about an older one are ignored.</summary>
    public long Generation { get; }

    /// <summary>What the server may send.</summary>
    public UpstreamOptions Limits { get; }

    /// <summary>
    /// Completes when the session ends on its own (a stdio process exited, a stream dropped) or its
    /// event stream breaks off (which the SDK does not count as the end of the session).
    /// </summary>
    public Task<string> Closed => _client.SessionCompletion is { } session
        ? Task.WhenAny(session.ContinueWith(t => UpstreamError.Describe(t.Result), TaskScheduler.Default), _streamBroken).Unwrap()
        : _streamBroken;

    /// <summary>Connects and initializes a session, bounded by the server's connect timeout; the caller may cancel.</summary>
    public static async Task<McpConnection> OpenAsync(
        McpServerConfig config, long generation, Func<Task> onListChanged, McpHttp http, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        var options = new McpClientOptions
        {
            ClientInfo = ClientInfo,
            InitializationTimeout = config.ConnectTimeout,
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, async (_, _) => await onListChanged()),
                    new(NotificationMethods.PromptListChangedNotification, async (_, _) => await onListChanged()),
                    new(NotificationMethods.ResourceListChangedNotification, async (_, _) => await onListChanged()),
                ],
            },
        };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(config.ConnectTimeout);
        var (transport, httpClient, streamBroken) = UpstreamTransport.Create(config, http, loggerFactory);
        var connecting = McpClient.CreateAsync(transport, options, loggerFactory, cancel.Token);
        try
        {
            var client = await connecting.WaitAsync(config.ConnectTimeout, cancellationToken);
            if (StatelessToolsCheck.Applies(config, client.NegotiatedProtocolVersion) && client.SessionId is null)
            {
                // No session: what follows goes through the silo's one sessionless HTTP client, and there is no event stream to watch.
                var (sessionless, endpoint) = UpstreamTransport.Sessionless(config, http, loggerFactory);
                return new McpConnection(
                    UpstreamClient.Resumable(client, sessionless, options, loggerFactory), generation, UpstreamTransport.NeverBroken, http.Limits, config, (http.Sessionless, endpoint));
            }
            return new McpConnection(
                UpstreamClient.Held(client), generation, streamBroken, http.Limits, config, httpClient is null ? null : (httpClient, new Uri(config.Url!)));
        }
        catch (Exception ex) when (ex is TimeoutException || cancellationToken.IsCancellationRequested)
        {
            // A client that still completes later must not leak its session or its process.
            connecting.ContinueWith(t => t.Result.DisposeAsync().AsTask(), TaskContinuationOptions.OnlyOnRanToCompletion).Unwrap().Ignore();
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"no connection within {config.ConnectTimeoutSeconds} s");
        }
    }

    /// <summary>
    /// A liveness check: <c>ping</c>, or <c>tools/list</c> on a protocol version or server without
    /// ping. Returns the tools when it listed them and they differ from the last answer (null after a
    /// ping or an unchanged list), so the caller can keep its tool cache fresh for free: a stateless
    /// server never sends <c>notifications/tools/list_changed</c>.
    /// </summary>
    public Task<ImmutableArray<McpToolInfo>?> CheckAsync(TimeSpan timeout) => BoundedAsync<ImmutableArray<McpToolInfo>?>(async cancellationToken =>
    {
        if (_stateless is { } stateless)
        {
            _client.LetGoIfUnused();
            return await stateless.CheckAsync(cancellationToken);
        }
        if (!_pingUnsupported)
        {
            try
            {
                await _client.UseAsync(client => client.PingAsync(cancellationToken: cancellationToken).AsTask());
                return null;
            }
            catch (Exception ex) when (IsPingUnsupported(ex))
            {
                _pingUnsupported = true;
            }
        }
        return await _tools.ReadIfChangedAsync(cancellationToken);
    }, timeout);

    public Task<ImmutableArray<McpToolInfo>> ListToolsAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        BoundedAsync(_tools.ReadAsync, timeout, cancellationToken);

    /// <summary>The server's prompts, resources and resource templates (see <see cref="ListingReader"/>).</summary>
    public Task<McpServerListings> ListListingsAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        BoundedAsync(_listings.ReadAsync, timeout, cancellationToken);

    /// <summary>Calls a tool, bounded by <paramref name="timeout"/> (see <see cref="RequestAsync{TParams, TResult}"/>).</summary>
    public Task<CallToolResult> CallToolAsync(string tool, IReadOnlyDictionary<string, JsonElement> arguments, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RequestAsync<CallToolRequestParams, CallToolResult>(
            RequestMethods.ToolsCall, new CallToolRequestParams { Name = tool, Arguments = arguments.ToDictionary() }, $"'{tool}'", timeout, cancellationToken);

    /// <summary><c>resources/read</c>, bounded and cancelled upstream like <see cref="CallToolAsync"/>.</summary>
    public Task<ReadResourceResult> ReadResourceAsync(string uri, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RequestAsync<ReadResourceRequestParams, ReadResourceResult>(
            RequestMethods.ResourcesRead, new ReadResourceRequestParams { Uri = uri }, $"resource '{uri}'", timeout, cancellationToken);

    /// <summary><c>prompts/get</c>, bounded and cancelled upstream like <see cref="CallToolAsync"/>.</summary>
    public Task<GetPromptResult> GetPromptAsync(string prompt, IReadOnlyDictionary<string, JsonElement> arguments, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RequestAsync<GetPromptRequestParams, GetPromptResult>(
            RequestMethods.PromptsGet, new GetPromptRequestParams { Name = prompt, Arguments = arguments.ToDictionary() }, $"prompt '{prompt}'", timeout, cancellationToken);

    /// <summary>
    /// One request, bounded by <paramref name="timeout"/>. A request that times out or that the caller
    /// cancels is cancelled upstream with <c>notifications/cancelled</c>, so the server stops working
    /// for nobody. The notice is sent here: the SDK sends one only for a request it had finished
    /// sending, and on streamable HTTP a request's POST is only finished when it is answered.
    /// </summary>
    private async Task<TResult> RequestAsync<TParams, TResult>(string method, TParams parameters, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new JsonRpcRequest
        {
            Id = new RequestId($"omni2-{Guid.NewGuid():N}"),
            Method = method,
            Params = JsonSerializer.SerializeToNode(parameters, McpJsonUtilities.DefaultOptions),
        };
        try
        {
            var response = await BoundedAsync(token => _client.UseAsync(client => client.SendRequestAsync(request, token)), timeout, cancellationToken);
            return JsonSerializer.Deserialize<TResult>(response.Result, McpJsonUtilities.DefaultOptions)
                ?? throw new McpException($"{what} returned no result");
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            CancelUpstream(request.Id, ex is TimeoutException ? "timed out" : "cancelled by the caller");
            throw;
        }
    }

    /// <summary>Tells the server to stop working on <paramref name="id"/>; best effort, bounded, never throws.</summary>
    private void CancelUpstream(RequestId id, string reason)
    {
        var bound = new CancellationTokenSource(CloseTimeout);
        _client.UseAsync(async client =>
            {
                await client.SendNotificationAsync(
                    NotificationMethods.CancelledNotification,
                    new CancelledNotificationParams { RequestId = id, Reason = reason },
                    cancellationToken: bound.Token);
                return true;
            })
            .ContinueWith(
                sent =>
                {
                    _ = sent.Exception; // best effort: a notice that could not be sent is no error
                    bound.Dispose();
                },
                TaskScheduler.Default);
    }

    /// <summary>
    /// Closes the session, waiting at most <see cref="CloseTimeout"/>: closing a streamable-HTTP
    /// session sends a request that a hanging server never answers.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        try
        {
            await _client.DisposeAsync().AsTask().WaitAsync(CloseTimeout);
        }
        catch (TimeoutException)
        {
            // Abandoned: the SDK finishes (or fails) closing in the background.
        }
    }

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Cancels the operation at <paramref name="timeout"/> and also stops waiting for it then, so a
    /// transport that ignores cancellation still cannot hold the caller: throws <see cref="TimeoutException"/>.
    /// A cancellation by the caller throws <see cref="OperationCanceledException"/>.
    /// </summary>
    private static async Task<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> operation, TimeSpan timeout, CancellationToken caller = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(caller);
        cancel.CancelAfter(timeout);
        try
        {
            return await operation(cancel.Token).WaitAsync(timeout, caller);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested && cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static bool IsPingUnsupported(Exception ex) =>
        ex is McpProtocolException { ErrorCode: McpErrorCode.MethodNotFound }
        || (ex is McpException or InvalidOperationException or NotSupportedException
            && ex.Message.Contains("not available", StringComparison.OrdinalIgnoreCase));

    /// <summary>Serializes MCP content the way the protocol spells it.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions);
}
