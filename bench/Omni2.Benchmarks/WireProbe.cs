using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Omni2.Benchmarks;

/// <summary>One response exactly as it crossed the socket.</summary>
public sealed record WireResponse(int Status, int HeaderBytes, byte[] Body)
{
    public int WireBytes => HeaderBytes + Body.Length;
}

/// <summary>
/// A single keep-alive HTTP/1.1 GET over a raw socket, shaped like wrk's requests, so the bytes per
/// response (status line and headers included) are the ones wrk moves.
/// </summary>
public static class WireProbe
{
    public static async Task<WireResponse> GetAsync(Uri baseAddress, string path, string authorization)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAuthorization: {authorization}\r\n\r\n"));

        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                throw new IOException("The connection closed before the response headers ended.");
            }
            buffer.Write(chunk, 0, read);
        }
        var head = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, headerEnd);
        var status = int.Parse(head.Split(' ', 3)[1], CultureInfo.InvariantCulture);
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim(), CultureInfo.InvariantCulture)).SingleOrDefault(-1);
        if (length < 0)
        {
            throw new InvalidOperationException($"{path}: no Content-Length (status {status}); the benchmark expects a plain buffered response.");
        }
        while (buffer.Length < headerEnd + length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                throw new IOException("The connection closed before the response body ended.");
            }
            buffer.Write(chunk, 0, read);
        }
        return new WireResponse(status, headerEnd, buffer.GetBuffer().AsSpan(headerEnd, length).ToArray());
    }

    /// <summary>Where the body starts: just past the blank line, or -1 while it has not arrived.</summary>
    private static int IndexOfHeaderEnd(MemoryStream buffer)
    {
        var index = buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);
        return index < 0 ? -1 : index + 4;
    }
}
