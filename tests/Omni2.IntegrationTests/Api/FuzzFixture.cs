using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// A real host on PostgreSQL with a few registered servers and live MCP sessions, and an embedded
/// default for the dev sign-in; tokens of every kind, right and wrong.
/// </summary>
public sealed class FuzzFixture : IAsyncLifetime
{
    /// <summary>The registered servers: three healthy ones (one for operators only, with a secret header) and a disabled stdio one.</summary>
    public static readonly string[] ServerNames = ["fuzz-echo", "fuzz-ops", "fuzz-sse", "fuzz-stdio"];

    /// <summary>The embedded default's configured server (disabled: it would be fetched with npx).</summary>
    public const string EmbeddedServer = "everything";

    public PostgresDatabase Database { get; private set; } = null!;

    public ApiHost Host { get; private set; } = null!;

    public ApiHost Embedded { get; } = ApiHost.Embedded(new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false" });

    public TestMcpServer Upstream { get; private set; } = null!;

    public IReadOnlyList<FuzzToken> Tokens { get; private set; } = [];

    public IReadOnlyList<string> SessionIds { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Host = new ApiHost(Database.ConnectionString, $"omni2-fuzz-{Guid.NewGuid():N}");
        Host.StartServer();
        Embedded.StartServer();
        Upstream = await TestMcpServer.StartAsync();
        // A well-formed call of 'slow' past its call timeout is a legitimate 504, not a malformed request.
        await Upstream.RemoveToolAsync("slow");

        var extra = ""","check_timeout_seconds":10,"health_check_interval_seconds":30""";
        foreach (var body in new[]
        {
            $$"""{"name":"fuzz-echo","transport":"streamable_http","url":"{{Upstream.StreamableHttpEndpoint}}"{{extra}}}""",
            $$"""{"name":"fuzz-ops","transport":"streamable_http","url":"{{Upstream.StreamableHttpEndpoint}}","allowed_roles":["operator"],"headers":{"X-Secret":"s3cret"}{{extra}}}""",
            $$"""{"name":"fuzz-sse","transport":"sse","url":"{{Upstream.SseEndpoint}}"{{extra}}}""",
            """{"name":"fuzz-stdio","transport":"stdio","command":"node","args":["server.js"],"env":{"TOKEN":"s3cret"},"enabled":false}""",
        })
        {
            var created = await Host.RegisterAsync(body);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
        using (var admin = Host.ClientAs("admin"))
        {
            foreach (var name in ServerNames[..3])
            {
                await admin.WaitForHealthAsync(name, "healthy", TimeSpan.FromSeconds(30));
            }
        }
        Tokens = IssueTokens();
        SessionIds = [await StartSessionAsync("viewer"), await StartSessionAsync("operator"), await StartSessionAsync("admin")];
    }

    public async Task DisposeAsync()
    {
        await Embedded.DisposeAsync();
        await Host.DisposeAsync();
        await Upstream.DisposeAsync();
        await Database.DisposeAsync();
    }

    private static FuzzToken[] IssueTokens()
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ApiHost.SigningKey));
        var wrongKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("not-the-omni2-signing-key-0123456789-abcdefghij"));
        var now = DateTime.UtcNow;
        string Jwt(object? role, SecurityKey? signingKey = null, DateTime? notBefore = null, DateTime? expires = null, string? sub = "fuzzer", string? issuer = null, string? audience = null)
        {
            var claims = new Dictionary<string, object>();
            if (sub is not null) claims["sub"] = sub;
            if (role is not null) claims["role"] = role;
            return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Claims = claims,
                NotBefore = notBefore ?? now.AddMinutes(-1),
                IssuedAt = notBefore ?? now.AddMinutes(-1),
                Expires = expires ?? now.AddHours(1),
                Issuer = issuer,
                Audience = audience,
                // No key: an unsigned token ("alg": "none").
                SigningCredentials = signingKey is null ? null : new SigningCredentials(signingKey, SecurityAlgorithms.HmacSha256),
            });
        }
        var viewer = Jwt("viewer", key);
        var admin = Jwt("admin", key);
        var parts = viewer.Split('.');
        return
        [
            new("viewer", viewer, true, false),
            new("operator", Jwt("operator", key), true, false),
            new("admin", admin, true, true),
            new("admin among roles", Jwt(new[] { "viewer", "admin" }, key), true, true),
            new("ADMIN in capitals", Jwt("ADMIN", key), false, true),
            new("admin with a foreign issuer and audience", Jwt("admin", key, issuer: "https://evil.example", audience: "elsewhere"), true, true),
            new("admin without a subject", Jwt("admin", key, sub: null), true, true),
            new("viewer with a 6000-char subject", Jwt("viewer", key, sub: new string('s', 6000)), true, false),
            new("unknown role", Jwt("root", key), false, false),
            new("numeric role", Jwt(7, key), false, false),
            new("no role", Jwt(null, key), false, false),
            new("expired admin", Jwt("admin", key, notBefore: now.AddHours(-2), expires: now.AddHours(-1)), false, false),
            new("not-yet-valid admin", Jwt("admin", key, notBefore: now.AddHours(1), expires: now.AddHours(2)), false, false),
            new("admin signed with another key", Jwt("admin", wrongKey), false, false),
            new("unsigned admin", Jwt("admin"), false, false),
            new("truncated admin", admin[..^4], false, false),
            new("viewer signature on an admin payload", $"{parts[0]}.{admin.Split('.')[1]}.{parts[2]}", false, false),
            new("empty", "", false, false),
            new("garbage", "garbage", false, false),
            new("three dots", "a.b.c", false, false),
            new("random base64", Convert.ToBase64String(Enumerable.Range(0, 200).Select(i => (byte)(i * 37)).ToArray()), false, false),
            new("9000-char garbage", new string('t', 9000), false, false),
            new("unicode", "\u0442\u043e\u043a\u0435\u043d.\U0001F600.x", false, false),
        ];
    }

    /// <summary>A live session (protocol 2025-06-18) for the fuzzer to aim at.</summary>
    private async Task<string> StartSessionAsync(string role)
    {
        using var client = Host.ClientAs(role);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = Json("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}"""),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }
}
