using System.Globalization;
using System.Text;
using Omni2.Host.Registration;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// Random request bodies for the fuzz suite: JSON of every shape (deep, huge, unicode, out-of-range
/// numbers, duplicate keys), registrations, tool calls and JSON-RPC messages, and the ways text stops
/// being valid JSON (truncated, invalid UTF-8, not JSON at all). Deterministic for a given <see cref="Random"/>.
/// </summary>
public sealed class FuzzBodies(Random random, IReadOnlyList<string> serverNames, IReadOnlyList<string> callableNames)
{
    /// <summary>The members of a registration, as <c>ServerRegistration</c> reads them (case-insensitively).</summary>
    public static readonly string[] RegistrationFields =
    [
        "name", "transport", "url", "command", "args", "env", "headers", "enabled", "allowed_roles",
        "health_check_interval_seconds", "check_timeout_seconds", "connect_timeout_seconds", "call_timeout_seconds",
    ];

    private static readonly string[] IntFields = RegistrationFields[^4..];

    // The test server's tools, but not 'slow': a well-formed call of it past the call timeout is a
    // legitimate 504, not a malformed request (the fixture removes it from the server too).
    private static readonly string[] ToolNames = ["echo", "add", "fail", "nope", "", "ECHO", "echo\u0000", "é", "../echo", "a__b"];

    private static readonly string[] Texts =
    [
        "", " ", "x", "viewer", "admin", "null", "true", "0", "-1", "stdio", "streamable_http", "sse", "node", "npx",
        "http://127.0.0.1:9/mcp", "https://example.org/mcp", "ftp://x/", "/relative", "javascript:alert(1)",
        "\u00e9\u00e8", "\u65e5\u672c\u8a9e", "\U0001F600\U0001F4A9", "\u202Eevil", "e\u0301", "\uFEFF", "\u0000", "\r\n", "\\", "\"",
        "../../etc/passwd", "%2e%2e%2f", "' OR 1=1 --", "<script>", "${jndi:ldap://x}", "a__b", "UPPER", "-dash", "trailing_",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "1.5", "1e3", "1E+2", "0.0000001", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "123456789012345678901234567890",
        "1e400", "-1e400", "1e-400", "86400", "86401", "600", "601", "3600", "3601",
    ];

    private int Pick(int count) => random.Next(count);

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private bool Chance(double p) => random.NextDouble() < p;

    /// <summary>A JSON string literal, escaped as JSON requires (lone surrogates written as escapes).</summary>
    public static string Quote(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or (>= '\uD800' and <= '\uDFFF') => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return json.Append('"').ToString();
    }

    public string RandomText() => Pick(10) switch
    {
        0 => new string((char)('a' + Pick(26)), 1 + Pick(3000)),
        1 => string.Concat(Enumerable.Range(0, 1 + Pick(40)).Select(_ => (char)random.Next(0x20, 0x2FFF))),
        2 => "\\ud800", // a lone surrogate, escaped: Quote keeps the backslash, so this is text, not an escape
        _ => Pick(Texts),
    };

    private string RandomStringLiteral() => Chance(0.05) ? "\"\\ud800x\\udfff\"" : Quote(RandomText());

    /// <summary>Any JSON value, <paramref name="depth"/> levels deep at most.</summary>
    public string RandomValue(int depth = 3) => Pick(depth > 0 ? 9 : 5) switch
    {
        0 => "null",
        1 => Chance(0.5) ? "true" : "false",
        2 => Pick(Numbers),
        3 or 4 => RandomStringLiteral(),
        5 or 6 => "[" + string.Join(",", Enumerable.Range(0, Pick(5)).Select(_ => RandomValue(depth - 1))) + "]",
        _ => Object(Enumerable.Range(0, Pick(5)).Select(_ => (RandomKey(), RandomValue(depth - 1)))),
    };

    private string RandomKey() => Pick(4) switch
    {
        0 => Pick(RegistrationFields),
        1 => Pick(["server", "tool", "arguments", "role", "jsonrpc", "id", "method", "params", "message", "a", "b"]),
        2 => Pick(RegistrationFields).ToUpperInvariant(),
        _ => RandomText(),
    };

    /// <summary>A compact JSON object; a key may repeat, and then the JSON is still syntactically valid.</summary>
    public static string Object(IEnumerable<(string Key, string Value)> members) =>
        "{" + string.Join(",", members.Select(m => Quote(m.Key) + ":" + m.Value)) + "}";

    /// <summary>A plausible value for a registration member: often right, often of the wrong type or out of range.</summary>
    private string RegistrationValue(string field) => field switch
    {
        "name" => Chance(0.6) ? Quote(Chance(0.5) ? $"fuzz-new-{Pick(1000)}" : Pick(serverNames)) : RandomValue(1),
        "transport" => Chance(0.7) ? Quote(Pick(["streamable_http", "sse", "stdio"])) : RandomValue(1),
        "url" => Chance(0.7) ? Quote(Pick(["http://127.0.0.1:9/mcp", "https://example.org/mcp", "http://[::1]:1/x", "http://h/" + new string('p', Pick(3000))])) : RandomValue(1),
        "command" => Chance(0.7) ? Quote(Pick(["node", "npx", "uvx", "bash", "/bin/sh"])) : RandomValue(1),
        "args" => Chance(0.7) ? "[" + string.Join(",", Enumerable.Range(0, Pick(4)).Select(_ => Quote(Pick(["server.js", "-e", "1", "--require", "x", "-y", "pkg"])))) + "]" : RandomValue(2),
        "env" or "headers" => Chance(0.7) ? Object(Enumerable.Range(0, Pick(3)).Select(_ => (Pick(["A", "NODE_OPTIONS", "LD_PRELOAD", "X-Key", "Bad Header", "1BAD"]), Quote(RandomText())))) : RandomValue(2),
        "enabled" => Chance(0.7) ? Pick(["true", "false"]) : RandomValue(1),
        "allowed_roles" => Chance(0.7) ? "[" + string.Join(",", Enumerable.Range(0, Pick(3)).Select(_ => Quote(Pick(["viewer", "operator", "admin", "root"])))) + "]" : RandomValue(2),
        _ => Chance(0.7) ? Pick(Numbers) : RandomValue(1),
    };

    private IEnumerable<(string, string)> RegistrationMembers() =>
        RegistrationFields.Where(_ => Chance(0.5)).Concat(Enumerable.Range(0, Pick(2)).Select(_ => Pick(RegistrationFields)))
            .Select(f => (f, RegistrationValue(f)));

    /// <summary>A registration that may well be valid: for callers who may not register at all.</summary>
    public string Registration() => Object(RegistrationMembers());

    /// <summary>
    /// A registration that no correct host accepts, whatever else it holds. It always carries one of
    /// these defects, each enough for a 4xx on its own:
    /// a member that is not a registration field (strict reading refuses it), a registration field of
    /// the wrong JSON type (never null, which means "absent"), or a value the validator refuses
    /// whatever the other fields say (an invalid name, transport or role; an environment or header
    /// name that is not one; a number out of its range; too many arguments). The defect is the last
    /// member, so a duplicate key earlier in the body cannot override it (the last one wins), and it is
    /// written after the random members are mangled, so it is never mangled itself. When the text is
    /// then cut short it is a strict prefix of an object, which is never valid JSON. Bodies that are not
    /// an object at all, or not JSON, or not sent as JSON (415), are defective by themselves. What
    /// <see cref="Encode"/> may do next keeps it so: each mangle breaks the JSON, wraps it in an array,
    /// replaces it with an unknown member, or (a byte-order mark, an invalid byte inside a string) leaves
    /// the defect standing.
    /// </summary>
    public (string Text, string Defect) DefectiveRegistration()
    {
        switch (Pick(10))
        {
            case 0:
                return (RandomValue(2) is var v && v.StartsWith('{') ? "[" + v + "]" : v, "not an object");
            case 1:
                return (Pick(["", "{", "}", "{\"name\":", "{'name':'x'}", "{name:\"x\"}", "{\"name\":\"x\",}", "{\"name\":NaN}", "{\"a\":1}}", "{/*c*/}", "\uFEFF\uFEFF{}"]), "not JSON");
            case 2:
                return (Object(RegistrationMembers().Append(("name", new string('[', 100 + Pick(5000)))))[..^1], "too deep");
        }
        var members = RegistrationMembers().Select(m => (m.Item1, Chance(0.05) ? m.Item2 + "\u0000" : m.Item2)).ToList();
        var (key, value, defect) = Pick(8) switch
        {
            0 => ("x_" + Pick(100000).ToString(CultureInfo.InvariantCulture) + (Chance(0.3) ? RandomText() : ""), RandomValue(1), "unknown member"),
            1 => ("name", Pick(["42", "true", "[]", "{}", "[\"a\"]", "1e400"]), "name of the wrong type"),
            2 => (Pick(IntFields), Pick(["\"10\"", "1.5", "1e400", "99999999999", "true", "[]", "{}", "-2147483649"]), "number of the wrong type or size"),
            3 => (Pick(["enabled", "args", "env", "headers", "allowed_roles"]), Pick(["\"yes\"", "1", "[1]", "{\"A\":1}", "[[]]", "\"x\""]), "member of the wrong type"),
            4 => ("name", Quote(Pick(["", "UPPER", "a b", "a__b", "ab_", "-a", new string('a', 64), "caf\u00e9", "../x", "x/y", "\U0001F600"])), "invalid name"),
            5 => ("transport", Quote(Pick(["websocket", "", "http", "STDIO", " sse", "stdio\u0000"])), "invalid transport"),
            6 => (Pick(IntFields), Pick(["0", "-1", "86401", "2147483647", "-2147483648"]), "number out of range"),
            _ => Pick(3) switch
            {
                0 => ("allowed_roles", "[\"viewer\",\"" + Pick(["root", "Admin", "", "admin "]) + "\"]", "unknown role"),
                1 => (Pick(["env", "headers"]), Object([(Pick(["1BAD", "A B", "", "a:b", "\u00e9"]), "\"v\"")]), "invalid env or header name"),
                _ => ("args", "[" + string.Join(",", Enumerable.Repeat("\"a\"", 65)) + "]", "too many args"),
            },
        };
        var text = Object(members.Append((key, value)));
        return Chance(0.15) ? (text[..(1 + Pick(text.Length - 1))], defect + ", cut short") : (text, defect);
    }

    /// <summary>A tool-call body: sometimes a good call, mostly not.</summary>
    public string ToolCall() => Chance(0.2) ? RandomValue(3) : Object(new (string, string)[]
        {
            ("server", Chance(0.7) ? Quote(Pick(callableNames)) : RandomValue(1)),
            ("tool", Chance(0.7) ? Quote(Pick(ToolNames)) : RandomValue(1)),
            ("arguments", ToolArguments()),
            ("extra", RandomValue(1)),
        }.Where(_ => Chance(0.75)));

    /// <summary>A resource-read or prompt-get body: a server, a uri or prompt, arguments, sometimes none of them right.</summary>
    public string Read() => Chance(0.2) ? RandomValue(3) : Object(new (string, string)[]
        {
            ("server", Chance(0.7) ? Quote(Pick(callableNames)) : RandomValue(1)),
            (Chance(0.5) ? "uri" : "prompt", Chance(0.7) ? Quote(Chance(0.5) ? RandomText() : Pick(ToolNames)) : RandomValue(1)),
            ("arguments", ToolArguments()),
        }.Where(_ => Chance(0.75)));

    private string ToolArguments() => Pick(4) switch
    {
        0 => Object([("message", Chance(0.7) ? Quote(RandomText()) : RandomValue(1))]),
        1 => Object([("a", Pick(Numbers)), ("b", Pick(Numbers))]),
        2 => Object([("a", "1"), ("a", "2"), ("b", "3")]),
        _ => RandomValue(3),
    };

    /// <summary>A JSON-RPC message (or a batch of them) for <c>/mcp</c>, of every shape.</summary>
    public string JsonRpc() => Pick(10) switch
    {
        0 => "[" + string.Join(",", Enumerable.Range(0, Pick(6)).Select(_ => JsonRpcMessage())) + "]",
        1 => RandomValue(3),
        _ => JsonRpcMessage(),
    };

    private string JsonRpcMessage()
    {
        var members = new List<(string, string)>();
        if (Chance(0.85))
        {
            members.Add(("jsonrpc", Chance(0.85) ? "\"2.0\"" : Pick(["\"1.0\"", "2.0", "null", "\"\"", "\"2.0 \""])));
        }
        if (Chance(0.8))
        {
            members.Add(("id", Pick(["1", "0", "-1", "1.5", "9223372036854775807", "9223372036854775808", "123456789012345678901234567890",
                "1e400", "\"a\"", "\"\"", Quote(new string('i', 1 + Pick(20000))), "null", "true", "{}", "[]", "[1]"])));
        }
        var method = Chance(0.8)
            ? Pick(["initialize", "initialize", "tools/list", "tools/call", "tools/call", "ping", "notifications/initialized", "notifications/cancelled",
                "resources/list", "prompts/list", "completion/complete", "logging/setLevel", "", "rpc.discover", "tools/list\u0000"])
            : null;
        if (Chance(0.9))
        {
            members.Add(("method", method is null ? RandomValue(1) : Quote(method)));
        }
        if (Chance(0.8))
        {
            // Mostly the params the method takes, each part right or wrong; otherwise any params.
            members.Add(("params", Chance(0.6) && method is "initialize" ? InitializeParams()
                : Chance(0.6) && method is "tools/call" ? Object(Some([("name", Chance(0.7) ? Quote($"{Pick(callableNames)}__{Pick(ToolNames)}") : RandomValue(1)), ("arguments", ToolArguments()), ("_meta", RandomValue(2))]))
                : Pick(4) switch
                {
                    0 => Object([("cursor", RandomValue(1))]),
                    1 => Object([("requestId", RandomValue(1)), ("reason", RandomValue(1))]),
                    2 => InitializeParams(),
                    _ => RandomValue(3),
                }));
        }
        if (Chance(0.1))
        {
            members.Add((Pick(["result", "error"]), RandomValue(2)));
        }
        if (Chance(0.1))
        {
            members.Add((RandomKey(), RandomValue(2)));
        }
        return Object(members.OrderBy(_ => random.Next()));
    }

    /// <summary>An <c>initialize</c> request's params: each member present or not, of the right shape or not.</summary>
    private string InitializeParams() => Object(Some(
    [
        ("protocolVersion", Chance(0.7) ? Quote(Pick(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "1999-01-01", ""])) : RandomValue(1)),
        ("capabilities", Chance(0.5) ? Object(Some([("roots", Chance(0.5) ? "{\"listChanged\":true}" : RandomValue(1)), ("sampling", RandomValue(1)), ("elicitation", RandomValue(1)), (RandomKey(), RandomValue(1))])) : RandomValue(2)),
        ("clientInfo", Chance(0.6) ? Object(Some([("name", Chance(0.8) ? Quote(RandomText()) : RandomValue(1)), ("version", Chance(0.8) ? "\"1\"" : RandomValue(1)), ("title", RandomValue(1))])) : RandomValue(1)),
        ("_meta", RandomValue(2)),
    ]));

    /// <summary>Each member with a good chance, so that most are there and any may be missing.</summary>
    private IEnumerable<(string, string)> Some((string, string)[] members) => members.Where(_ => Chance(0.8));

    /// <summary>The body's bytes; now and then made invalid on the way (truncated, invalid UTF-8, huge, nested).</summary>
    public byte[] Encode(string text, bool mangle)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!mangle || !Chance(0.25))
        {
            return bytes;
        }
        switch (Pick(7))
        {
            case 0 when bytes.Length > 1:
                return bytes[..(1 + Pick(bytes.Length - 1))];
            case 1:
                var at = Pick(bytes.Length + 1);
                return [.. bytes[..at], .. Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x80]]), .. bytes[at..]];
            case 2:
                var depth = Pick([63, 64, 65, 1000, 30000]);
                return Encoding.UTF8.GetBytes(new string('[', depth) + text + new string(']', depth));
            case 3:
                return Encoding.UTF8.GetBytes(Object([("big", Quote(new string('x', Pick([60_000, 65_536, 70_000, 200_000]))))]));
            case 4:
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case 5:
                return Encoding.Unicode.GetBytes(text);
            default:
                return [.. bytes, .. Encoding.UTF8.GetBytes(Pick([" x", "}", "\u0000", "\n{\"a\":1}"]))];
        }
    }
}
