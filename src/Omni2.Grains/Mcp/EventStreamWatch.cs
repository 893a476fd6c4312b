namespace Omni2.Grains.Mcp;

/// <summary>
/// Completes <see cref="Broken"/> when the server's event stream (the GET that carries its unsolicited
/// messages) breaks off, as it does when the server crashes. The SDK does not end the session then
/// (it only stops listening), so without this a dead server goes unnoticed until the next check.
/// A stream the server ends cleanly is not reported: a server may close an idle stream on purpose.
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
            response.Content = new WatchedContent(response.Content, _broken);
        }
        return response;
    }

    private sealed class WatchedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly TaskCompletionSource<string> _broken;

        public WatchedContent(HttpContent inner, TaskCompletionSource<string> broken)
        {
            _inner = inner;
            _broken = broken;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync() =>
            new WatchedStream(await _inner.ReadAsStreamAsync(), _broken);

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new WatchedStream(await _inner.ReadAsStreamAsync(cancellationToken), _broken);

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream, context);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private sealed class WatchedStream(Stream inner, TaskCompletionSource<string> broken) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                broken.TrySetResult($"event stream broke: {UpstreamError.Describe(ex)}");
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
