using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Omni2.Testing;

/// <summary>
/// One span as an OTLP exporter sent it; ids in lower-case hex, <see cref="Scope"/> the instrumentation's name,
/// <see cref="Attributes"/> its string-valued attributes.
/// </summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Scope, IReadOnlyDictionary<string, string> Attributes)
{
    public const int KindServer = 2;
    public const int KindClient = 3;
}

/// <summary>
/// A real OTLP/HTTP receiver (protobuf, the standard exporter's <c>http/protobuf</c>): keeps the spans
/// posted to <c>/v1/traces</c>, and every signal's request as it came (<see cref="Payloads"/>), unread.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>Every export request's body, by signal (<c>traces</c>, <c>metrics</c>, <c>logs</c>).</summary>
    public ConcurrentQueue<(string Signal, byte[] Body)> Payloads { get; } = new();

    /// <summary>What <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set to; the exporter adds <c>/v1/traces</c>.</summary>
    public Uri Endpoint => new(_app.Urls.First());

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver.Payloads.Enqueue((signal, body.ToArray()));
            if (signal == "traces")
            {
                foreach (var span in ReadSpans(body.ToArray()))
                {
                    receiver.Spans.Enqueue(span);
                }
            }
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>
    /// ExportTraceServiceRequest → resource_spans (1) → scope_spans (2) → scope (1: name 1) and spans (2), whose
    /// attributes (9) are KeyValues: key (1), AnyValue (2) with string_value (1).
    /// </summary>
    private static IEnumerable<ReceivedSpan> ReadSpans(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var fields = Fields(scopeSpans.Bytes).ToList();
                var scope = fields.Where(f => f.Number == 1).Select(f => Text(Fields(f.Bytes).FirstOrDefault(n => n.Number == 1).Bytes)).FirstOrDefault() ?? "";
                foreach (var span in fields.Where(f => f.Number == 2))
                {
                    var members = Fields(span.Bytes).ToList();
                    byte[] Member(int number) => members.FirstOrDefault(m => m.Number == number).Bytes ?? [];
                    yield return new ReceivedSpan(
                        Convert.ToHexStringLower(Member(1)), Convert.ToHexStringLower(Member(2)), Convert.ToHexStringLower(Member(4)),
                        Text(Member(5)), (int)members.FirstOrDefault(m => m.Number == 6).Value, scope, Attributes(members));
                }
            }
        }
    }

    private static Dictionary<string, string> Attributes(List<(int Number, byte[] Bytes, ulong Value)> span)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in span.Where(m => m.Number == 9).Select(m => Fields(m.Bytes).ToList()))
        {
            var value = attribute.Where(f => f.Number == 2).SelectMany(f => Fields(f.Bytes)).Where(f => f.Number == 1).Select(f => Text(f.Bytes)).FirstOrDefault();
            if (value is not null)
            {
                attributes[Text(attribute.FirstOrDefault(f => f.Number == 1).Bytes)] = value;
            }
        }
        return attributes;
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>The protobuf fields of one message: length-delimited ones with their bytes, varints with their value.</summary>
    private static IEnumerable<(int Number, byte[] Bytes, ulong Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    yield return (number, [], Varint(message, ref position));
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return (number, message[position..(position + length)], 0);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {key & 7} is not used by OTLP");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
