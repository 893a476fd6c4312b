namespace Omni2.Grains.Mcp;

/// <summary>
/// Completes <see cref="Broken"/> when the server's event stream (the GET that carries its unsolicited
/// messages) breaks off, as it does when the server crashes, or sends more than a cap allows. The SDK
/// does not end the session then (it only stops listening), so without this a dead server goes
/// unnoticed until the next check. A stream the server ends cleanly is not reported: a server may
/// close an idle stream on purpose.
/// </summary>
public sealed class EventStreamWatch(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly TaskCompletionSource<string> _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> Broken => _broken.Task;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode
            && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            response.Content = new WrappedContent(response.Content, stream => new WatchedStream(stream, _broken));
        }
        return response;
    }

    private sealed class WatchedStream(Stream inner, TaskCompletionSource<string> broken) : ReadingStream(inner)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await Inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or UpstreamLimitExceededException && !cancellationToken.IsCancellationRequested)
            {
                broken.TrySetResult($"event stream broke: {UpstreamError.Describe(ex)}");
                throw;
            }
        }
    }
}
