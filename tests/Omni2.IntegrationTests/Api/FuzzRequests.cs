using System.Text;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// A token the fuzzer may send, by what it is. <paramref name="Grants"/>: a correct host gives it a role;
/// <paramref name="MayAdminister"/>: a correct host could let it administer.
/// </summary>
public sealed record FuzzToken(string Kind, string Value, bool Grants, bool MayAdminister);

/// <summary>
/// What the fuzzer aims at: the registered servers' names, those of them whose tools it calls, tokens,
/// and live MCP session ids. A call to a server that is not serving (disabled, say) is a well-formed
/// request that a 503 answers rightly, so calls name only healthy servers (or none at all).
/// </summary>
public sealed record FuzzTargets(IReadOnlyList<string> ServerNames, IReadOnlyList<string> CallableNames, IReadOnlyList<FuzzToken> Tokens, IReadOnlyList<string> SessionIds);

/// <summary>One request exactly as sent; <see cref="Describe"/> is what a failure message shows to reproduce it.</summary>
public sealed record FuzzRequest(
    int Index,
    bool Embedded,
    string Method,
    string PathAndQuery,
    bool RawPath,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? ContentType,
    byte[]? Body,
    bool Chunked,
    string Token,
    string Note)
{
    public string Describe()
    {
        var path = PathAndQuery.Length > 300 ? $"{PathAndQuery[..300]}... ({PathAndQuery.Length} chars)" : PathAndQuery;
        var text = new StringBuilder($"#{Index} {Method} {path} on the {(Embedded ? "embedded" : "PostgreSQL")} host{(RawPath ? " (raw path)" : "")}; token: {Token}");
        foreach (var (name, value) in Headers)
        {
            text.Append($"; {name}: {(value.Length > 120 ? $"{value[..120]}... ({value.Length} chars)" : value)}");
        }
        text.Append($"; Content-Type: {ContentType ?? "(none)"}{(Chunked ? ", chunked" : "")}");
        if (Body is not null)
        {
            var prefix = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 200)).Replace("\uFFFD", "\\ufffd");
            text.Append($"; body ({Body.Length} bytes{(Note.Length > 0 ? ", " + Note : "")}): {prefix}");
        }
        return text.ToString();
    }
}

/// <summary>
/// Randomized malformed requests to every endpoint: the REST API, the dev sign-in, <c>/mcp</c>,
/// the hub's negotiate, the probes and <c>/metrics</c>, with random tokens, methods, path variants,
/// headers, content types and bodies. The same run number gives the same requests.
/// </summary>
public sealed class FuzzRequestGenerator(int run, FuzzTargets targets, IReadOnlyList<string> mustStay)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FUZZ", "get", "PROPFIND"];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/json; charset=utf-8", "application/json; charset=utf-16", "APPLICATION/JSON", "application/problem+json",
        "application/vnd.fuzz+json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=----x", "application/xml", "", ";;;",
        "application/json; charset=\"", "application/json, text/plain", "*/*", "json", "application/jsonl", "text/event-stream", "application/json; q=x",
    ];

    private static readonly string[] ProtocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "", "2099-01-01", "garbage", "2025-06-18, 2025-03-26"];

    private readonly Random _random = new(run);
    private readonly FuzzBodies _bodies = new(new Random(run ^ 0x5eed), targets.ServerNames, targets.CallableNames);

    private int Pick(int count) => _random.Next(count);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private bool Chance(double p) => _random.NextDouble() < p;

    /// <summary>
    /// The next request. Valid admin tokens are given only requests that cannot change the registry,
    /// so that an accepted change is always a bug: a request that could is drawn again when its path
    /// names a server that must stay (<paramref name="mustStay"/>, decoded as far as it decodes and
    /// compared ignoring case) and its method is not GET, HEAD, OPTIONS or PUT, and a POST or PUT that
    /// could reach the servers' routes always carries a defective registration (see
    /// <see cref="FuzzBodies.DefectiveRegistration"/>). Other tokens get anything, valid bodies too.
    /// </summary>
    public FuzzRequest Next(int index)
    {
        while (true)
        {
            var request = Candidate(index);
            var token = targets.Tokens.FirstOrDefault(t => t.Kind == request.Token);
            // ASP.NET Core matches methods ignoring case: a "get" reads as a GET does.
            if (token is not { MayAdminister: true } || request.Method.ToUpperInvariant() is "GET" or "HEAD" or "OPTIONS")
            {
                return request;
            }
            var decoded = Decoded(request.PathAndQuery);
            if (request.Method != "PUT" && mustStay.Any(name => decoded.Contains(name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            if (decoded.ToUpperInvariant().Contains("SERVERS"))
            {
                var (text, defect) = _bodies.DefectiveRegistration();
                return request with { Body = _bodies.Encode(text, mangle: true), Note = "defect: " + defect };
            }
            return request;
        }
    }

    private static string Decoded(string path)
    {
        for (var i = 0; i < 5; i++)
        {
            var next = Uri.UnescapeDataString(path);
            if (next == path)
            {
                break;
            }
            path = next;
        }
        return path.ToUpperInvariant();
    }

    private enum BodyKind { None, Any, Registration, ToolCall, Read, JsonRpc, DevToken }

    private FuzzRequest Candidate(int index)
    {
        // Mostly tokens that get past authentication, so that bodies, paths and headers reach the endpoints.
        var token = Pick(20) switch
        {
            < 3 => null,
            < 15 => Pick(targets.Tokens.Where(t => t.Grants).ToArray()),
            _ => Pick(targets.Tokens.Where(t => !t.Grants).ToArray()),
        };
        var headers = new List<KeyValuePair<string, string>>();
        var raw = false;
        void Header(string name, string value) => headers.Add(new(name, value));

        var (method, path, bodyKind) = Pick(20) switch
        {
            0 => ("GET", Pick(["/health/live", "/health/ready", "/metrics", "/openapi/v1.json", "/", "/api/v1/dashboard/settings", "/HEALTH/LIVE", "/index.html"]), BodyKind.None),
            1 => ("GET", "/api/v1/auth/verify", BodyKind.None),
            2 => ("POST", "/api/v1/auth/dev-token", BodyKind.DevToken),
            3 => ("GET", Pick(["/api/v1/mcp/tools/servers", "/api/v1/mcp/status"]), BodyKind.None),
            4 => ("GET", Pick(["/api/v1/mcp/tools/capabilities", "/api/v1/mcp/prompts", "/api/v1/mcp/resources"]) + (Chance(0.7) ? "?server=" + Query(Name()) : ""), BodyKind.None),
            5 => ("POST", "/api/v1/mcp/tools/call", BodyKind.ToolCall),
            // A tool call's body, or one that reads: the same server and arguments, a uri or prompt for a tool.
            6 => Chance(0.5) ? ("POST", "/api/v1/mcp/tools/call", BodyKind.ToolCall) : ("POST", Pick(["/api/v1/mcp/resources/read", "/api/v1/mcp/prompts/get"]), BodyKind.Read),
            7 => ("POST", "/api/v1/mcp/servers", BodyKind.Registration),
            8 => Server(Pick(["GET", "PUT", "DELETE"])),
            9 => ("POST", $"/api/v1/mcp/servers/{Segment(Name())}/{Pick(["disable", "enable", "reset", "tools/approve"])}", Chance(0.2) ? BodyKind.Any : BodyKind.None),
            10 => ("GET", $"/api/v1/mcp/servers/{Segment(Name())}/health-log{HealthLogQuery()}", BodyKind.None),
            11 or 12 or 13 or 14 => ("POST", "/mcp", BodyKind.JsonRpc),
            15 => (Pick(["GET", "DELETE"]), "/mcp", BodyKind.None),
            16 => ("POST", $"/ws/negotiate?negotiateVersion={Pick(["1", "0", "2", "-1", "abc", "99999999999", ""])}", Chance(0.3) ? BodyKind.Any : BodyKind.None),
            17 => (Pick(["GET", "POST", "DELETE"]), "/ws" + (Chance(0.8) ? "?id=" + Query(Pick(["x", "", new string('i', 500), "%00", "\u00e9"])) : ""), Chance(0.3) ? BodyKind.Any : BodyKind.None),
            _ => (Pick(["GET", "POST"]), Pick(["/api", "/api/v1/", "/api/v1/nope", "/mcp/x", "/mcpx", "/ws/x", "/health", "/health/live/x", "/metrics/x",
                "/openapi/v2.json", "/assets/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc", "/favicon.ico", "/api/v1/mcp/servers/a/b/c/d",
                "/" + new string('a', 10_000), "/*", "/api/v1/mcp/servers//disable", "/api/v1/auth/", "/api/v1/auth/dev-token/x"]), BodyKind.Any),
        };
        // The dev sign-in exists only in the embedded default; a few other requests go there too.
        var embedded = bodyKind == BodyKind.DevToken ? Chance(0.8) : path == "/api/v1/dashboard/settings" || Chance(0.05);

        if (Chance(0.1))
        {
            method = Pick(Methods);
        }
        if (Chance(0.25))
        {
            (path, raw) = Mangle(path);
        }
        if (path.StartsWith("/ws") && token is not null && Chance(0.5))
        {
            path += (path.Contains('?') ? "&" : "?") + "access_token=" + Uri.EscapeDataString(token.Value);
        }
        else if (token is not null)
        {
            Authorization(token.Value, Header);
        }

        if (path.StartsWith("/mcp"))
        {
            if (Chance(0.6)) Header("MCP-Protocol-Version", Pick(ProtocolVersions));
            if (Chance(0.5)) Header("Mcp-Session-Id", Chance(0.6) ? Pick(targets.SessionIds) : Pick(["x", "", new string('s', 5000), "\u00e9\u00e8", "../../x", "00000000000000000000000000000000"]));
            // Mostly what the transport requires, so that most requests get past the SDK's first check.
            if (Chance(0.9)) Header("Accept", Chance(0.7) ? "application/json, text/event-stream" : Pick(["application/json", "text/event-stream", "*/*", "text/html", "", "application/json;q=0, text/event-stream"]));
            if (Chance(0.1)) Header("Last-Event-ID", Pick(["1", "x", new string('e', 3000)]));
        }
        if (path.StartsWith("/api/v1/auth/verify") && Chance(0.7))
        {
            Header("X-Forwarded-Uri", Pick([$"/ws?id=x&access_token={Pick(targets.Tokens).Value}", "/ws?access_token=a&access_token=b", "ws?access_token=x", "/ws%3Faccess_token=x",
                "/" + new string('u', 10_000), "/ws?%ZZ=1", "/ws?access_token=", "/wsx?access_token=x", "/ws/negotiate?access_token=\u00e9"]));
        }
        if (bodyKind == BodyKind.DevToken || Chance(0.05))
        {
            if (Chance(0.6)) Header("Origin", Pick(["http://127.0.0.1", "http://localhost", "null", "http://evil.example", "", "http://127.0.0.1:1"]));
            if (Chance(0.5)) Header("Sec-Fetch-Site", Pick(["same-origin", "cross-site", "none", "", "SAME-ORIGIN"]));
        }
        if (path.Contains("/status") && Chance(0.5))
        {
            Header("If-None-Match", Pick(["*", "\"x\"", "W/\"x\"", "", new string('"', 100), "\"0123456789ABCDEF0123456789ABCDEF\""]));
        }
        if (Chance(0.08))
        {
            var (name, value) = Pick(6) switch
            {
                0 => ("Host", Pick(["localhost", "evil.example", "[::1]", "a b", "localhost:99999", "[::1", new string('h', 300), "127.0.0.1.", "LOCALHOST", "\u00e9.example"])),
                1 => ("X-Fuzz", new string('z', Pick([100, 9000, 40_000]))),
                2 => ("X-Forwarded-For", Pick(["127.0.0.1", "::1, 10.0.0.1", "garbage", ""])),
                3 => ("Cookie", Pick(["a=b", new string('c', 5000), "=;=;"])),
                4 => ("Accept", Pick(["*/*", "application/json;q=x", "text/event-stream", ",,,"])),
                _ => ("X-Fuzz-Unicode", "\u00e9\u00e8\U0001F600"),
            };
            Header(name, value);
        }

        string? contentType = null;
        byte[]? body = null;
        if (bodyKind != BodyKind.None || Chance(0.1))
        {
            var text = bodyKind switch
            {
                BodyKind.Registration => _bodies.Registration(),
                BodyKind.ToolCall => _bodies.ToolCall(),
                BodyKind.Read => _bodies.Read(),
                BodyKind.JsonRpc => _bodies.JsonRpc(),
                BodyKind.DevToken => Chance(0.7) ? FuzzBodies.Object([("role", Chance(0.7) ? FuzzBodies.Quote(Pick(["viewer", "operator", "admin", "root", "ADMIN", ""])) : _bodies.RandomValue(1))]) : _bodies.RandomValue(2),
                _ => _bodies.RandomValue(3),
            };
            body = _bodies.Encode(text, mangle: true);
            contentType = Chance(0.75) ? "application/json" : Chance(0.15) ? null : Pick(ContentTypes);
        }
        return new FuzzRequest(index, embedded, method, raw ? Printable(path) : path, raw, headers, contentType, body, body is not null && Chance(0.15), token?.Kind ?? "none", "");
    }

    private (string, string, BodyKind) Server(string method) =>
        (method, "/api/v1/mcp/servers/" + Segment(Name()), method == "PUT" ? BodyKind.Registration : BodyKind.None);

    /// <summary>The Authorization header in one of its right and wrong forms.</summary>
    private void Authorization(string token, Action<string, string> header)
    {
        switch (Pick(30))
        {
            case 0: header("Authorization", "bearer " + token); break;
            case 1: header("Authorization", "Bearer  " + token); break;
            case 2: header("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + token[..Math.Min(token.Length, 20)]))); break;
            case 3: header("Authorization", Pick(["Bearer", "Bearer ", token, "Bearer " + token + " extra"])); break;
            case 4: header("Authorization", "Bearer " + token); header("Authorization", "Bearer garbage"); break;
            default: header("Authorization", "Bearer " + token); break;
        }
    }

    /// <summary>A server name: one that exists, one that could, or one that never can.</summary>
    private string Name() => Pick(8) switch
    {
        0 or 1 or 2 => Pick(targets.ServerNames),
        3 => $"fuzz-missing-{Pick(100)}",
        4 => Pick(["UPPER", "a b", "a__b", "ab_", "-a", "..", ".", "caf\u00e9", "\U0001F600", "%00", "a%2Fb", "a/b", "", "x;y", "x?y=1", "x#y"]),
        5 => new string('n', Pick([63, 64, 200, 5000])),
        6 => Pick(targets.ServerNames).ToUpperInvariant(),
        _ => _bodies.RandomText(),
    };

    /// <summary>A path segment: usually escaped as a client would, sometimes as given.</summary>
    private string Segment(string name) => Chance(0.8) ? Uri.EscapeDataString(name) : name;

    private string Query(string value) => Chance(0.8) ? Uri.EscapeDataString(value) : value;

    private string HealthLogQuery()
    {
        var values = new[] { "", "0", "1", "500", "501", "-1", "abc", "1.5", "99999999999", "9223372036854775807", "9223372036854775808", "1e3", "%00", "\u00e9" };
        var parts = new List<string>();
        if (Chance(0.5)) parts.Add("limit=" + Pick(values));
        if (Chance(0.5)) parts.Add("before=" + Pick(values));
        if (Chance(0.1)) parts.Add("limit=1");
        if (Chance(0.05)) parts.Add("%ZZ=%");
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>
    /// A raw target with every byte outside printable ASCII percent-encoded. Raw, such a byte makes the
    /// request line something other than HTTP, which Kestrel answers (400, or 505 when it reads on as the
    /// version) before any of Omni2 runs.
    /// </summary>
    private static string Printable(string path)
    {
        var text = new StringBuilder();
        foreach (var rune in path.EnumerateRunes())
        {
            if (rune.Value is > 0x20 and < 0x7F)
            {
                text.Append((char)rune.Value);
                continue;
            }
            foreach (var b in Encoding.UTF8.GetBytes(rune.ToString()))
            {
                text.Append($"%{b:X2}");
            }
        }
        return text.ToString();
    }

    /// <summary>A path variant; raw when the client must send it unnormalized (dot segments, bad escapes).</summary>
    private (string Path, bool Raw) Mangle(string path)
    {
        var (pathOnly, query) = path.IndexOf('?') is var q and >= 0 ? (path[..q], path[q..]) : (path, "");
        var slash = pathOnly.LastIndexOf('/');
        return Pick(11) switch
        {
            0 => (pathOnly + "/" + query, false),
            1 => (pathOnly.Replace("/", "//") + query, true),
            2 => (pathOnly.ToUpperInvariant() + query, false),
            3 => (string.Concat(pathOnly.Select(c => c != '/' && Chance(0.3) ? $"%{(int)c:X2}" : c.ToString())) + query, true),
            4 => (pathOnly[..slash] + Pick(["/./", "/x/../", "/%2e/", "/%2e%2e/x/"]) + pathOnly[(slash + 1)..] + query, true),
            5 => (pathOnly + Pick(["%00", "%ZZ", "%", ";x=1", "%2F", "/..", "/...", "~", "%20", "%u0041"]) + query, true),
            6 => (pathOnly[..(slash + 1)] + new string('a', Pick([300, 8000, 20_000])) + query, false),
            7 => (pathOnly + Pick(["\u00e9", "\U0001F600", "\u0000", "\t", " "]) + query, Chance(0.5)),
            8 => (pathOnly + "/.." + query, true),
            9 => (pathOnly + (query.Length > 0 ? query + "&" : "?") + Pick(["a=%ZZ", "&&&", "=", "x=\u00e9", "a[]=1&a[]=2", new string('q', 9000)]), Chance(0.5)),
            _ => (pathOnly + "?" + string.Concat(Enumerable.Repeat(query.TrimStart('?') + "&", 1 + Pick(3))), false),
        };
    }
}
