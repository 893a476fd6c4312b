using System.Net.Http.Json;
using ModelContextProtocol.Protocol;

namespace Omni2.Grains.Mcp;

/// <summary>
/// Reads every answer of one MCP connection through a stream that counts it against its cap (see
/// <see cref="UpstreamOptions"/>): a JSON body as a whole, an event stream event by event (one
/// event carries one message). An answer over its cap fails while it is read, having cost at most its cap
/// in memory, with an <see cref="UpstreamLimitExceededException"/>.
/// </summary>
/// <param name="eventStreamCarriesAnswers">
/// The legacy SSE transport: its one event stream carries every answer, so its lines may be as
/// long as the largest answer.
/// </param>
public sealed class ResponseLimits(HttpMessageHandler inner, UpstreamOptions limits, bool eventStreamCarriesAnswers) : DelegatingHandler(inner)
{
    /// <summary>The method a request posted as plain bytes asks for (the SDK's own requests say so in their content).</summary>
    public static readonly HttpRequestOptionsKey<string> Method = new("omni2.mcp.method");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var cap = CapFor(request);
        var events = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        var declared = response.Content.Headers.ContentLength;
        response.Content = new WrappedContent(response.Content, stream => new CountedStream(stream, cap, events, declared));
        return response;
    }

    /// <summary>
    /// What the answer may weigh: the SDK posts each JSON-RPC message as a <see cref="JsonContent"/>,
    /// so the request says what it asks for; a request this cannot read gets the largest cap.
    /// </summary>
    private ByteCap CapFor(HttpRequestMessage request) => request.Content switch
    {
        _ when request.Method == HttpMethod.Get => eventStreamCarriesAnswers ? limits.Largest() : limits.AnswerTo(null),
        JsonContent { Value: JsonRpcRequest rpc } => limits.AnswerTo(rpc.Method),
        _ when request.Options.TryGetValue(Method, out var method) => limits.AnswerTo(method),
        JsonContent { Value: JsonRpcMessage } => limits.AnswerTo(null),
        _ => limits.Largest(),
    };

    /// <summary>
    /// Counts a JSON body as a whole, an event stream per event: the SSE parser holds one event at a
    /// time (however many lines it spans), and one event carries one message.
    /// </summary>
    private sealed class CountedStream(Stream inner, ByteCap cap, bool events, long? declared) : ReadingStream(inner)
    {
        private long _counted;
        private long _line;
        private bool _afterCr;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!events && declared > cap.Bytes)
            {
                throw cap.Exceeded(declared.Value);
            }
            var read = await Inner.ReadAsync(buffer, cancellationToken);
            if (events)
            {
                CountEvents(buffer.Span[..read]);
            }
            else if ((_counted += read) > cap.Bytes)
            {
                throw cap.ExceededIn("response");
            }
            return read;
        }

        /// <summary>Counts the bytes of the current event; an empty line (CR, LF or CRLF ends a line) ends it.</summary>
        private void CountEvents(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var end = bytes.IndexOfAny((byte)'\r', (byte)'\n');
                if (end < 0)
                {
                    _line += bytes.Length;
                    Count(bytes.Length);
                    _afterCr = false;
                    return;
                }
                if (end == 0 && _afterCr && bytes[0] == '\n')
                {
                    _afterCr = false; // the LF of a CRLF: the line already ended
                }
                else
                {
                    if (_line + end == 0)
                    {
                        _counted = 0; // an empty line: the event is complete
                    }
                    else
                    {
                        Count(end + 1);
                        _line = 0;
                    }
                    _afterCr = bytes[end] == '\r';
                }
                bytes = bytes[(end + 1)..];
            }
        }

        private void Count(int bytes)
        {
            if ((_counted += bytes) > cap.Bytes)
            {
                throw cap.ExceededIn("server-sent event");
            }
        }
    }
}
