using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.Api;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using Xunit.Abstractions;

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

/// <summary>
/// At least 10,000 seeded, randomized malformed requests across every endpoint, from 12 clients at
/// once: no 5xx, no request left unanswered, the host alive afterwards and the registry unchanged.
/// The seed is printed; OMNI2_FUZZ_SEED (and OMNI2_FUZZ_REQUESTS) reproduce a run.
/// </summary>
public sealed class FuzzTests(FuzzFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzFixture>
{
    private const int DefaultSeed = 13_08;
    private const int DefaultRequests = 12_000;
    private const int DefaultClients = 12;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private sealed record Outcome(FuzzRequest Request, int Status, string Detail);

    [Fact]
    public async Task Randomized_malformed_requests_get_no_5xx_and_change_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var clients = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_CLIENTS"), CultureInfo.InvariantCulture, out var c) ? c : DefaultClients;
        var count = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : DefaultRequests;
        output.WriteLine($"fuzz seed {seed} (OMNI2_FUZZ_SEED={seed} reproduces it), {count} requests from {clients} clients");
        var mustStay = FuzzFixture.ServerNames.Append(FuzzFixture.EmbeddedServer).ToArray();
        var generator = new FuzzRequestGenerator(seed, new FuzzTargets(FuzzFixture.ServerNames, FuzzFixture.ServerNames[..3], fixture.Tokens, fixture.SessionIds), mustStay);
        var requests = Enumerable.Range(0, count).Select(generator.Next).ToArray();
        if (Environment.GetEnvironmentVariable("OMNI2_FUZZ_ONLY") is { Length: > 0 } only)
        {
            var wanted = only.Split(',').Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToHashSet();
            requests = [.. requests.Where(r => wanted.Contains(r.Index))];
        }
        var before = await RegistryAsync();

        var clock = Stopwatch.StartNew();
        var outcomes = await SendAllAsync(requests, clients);
        clock.Stop();

        var statuses = outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{Label(g.Key)}: {g.Count()}");
        output.WriteLine($"{outcomes.Count} requests in {clock.Elapsed.TotalSeconds:F1} s; {string.Join(", ", statuses)}");
        foreach (var unsent in outcomes.Where(o => o.Status == -1).GroupBy(o => o.Detail).OrderByDescending(g => g.Count()).Take(10))
        {
            output.WriteLine($"not sendable ({unsent.Count()}): {unsent.Key}");
        }
        foreach (var retried in outcomes.Where(o => o.Status == -3).Take(10))
        {
            output.WriteLine($"answered only on a fresh connection ({retried.Detail}): {retried.Request.Describe()}");
        }
        var failures = outcomes.Where(o => o.Status is 0 or >= 500).OrderBy(o => o.Request.Index).ToList();
        Assert.True(failures.Count == 0,
            $"seed {seed}: {failures.Count} of {outcomes.Count} requests got a 5xx or no answer:\n" + string.Join("\n", failures.Take(60).Select(f =>
                $"{Label(f.Status)} ({f.Detail}) for {f.Request.Describe()}")));
        Assert.True(outcomes.Count(o => o.Status > 0) >= 10_000 || count < 10_000, $"only {outcomes.Count(o => o.Status > 0)} requests were answered");

        foreach (var host in new[] { fixture.Host, fixture.Embedded })
        {
            using var probe = host.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);
        }
        Assert.Equal(before, await RegistryAsync());
        Assert.True(clock.Elapsed < Budget, $"the fuzz took {clock.Elapsed.TotalSeconds:F1} s, more than {Budget.TotalSeconds} s");
    }

    private static string Label(int status) => status switch
    {
        -3 => "answered only on a fresh connection",
        -2 => "closed while sending a body it refused unread",
        -1 => "not sendable",
        0 => "no answer",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };

    private async Task<List<Outcome>> SendAllAsync(FuzzRequest[] requests, int clients)
    {
        using var main = Client(fixture.Host);
        using var embedded = Client(fixture.Embedded);
        var outcomes = new ConcurrentBag<Outcome>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < requests.Length)
            {
                var request = requests[i];
                var client = request.Embedded ? embedded : main;
                var outcome = await SendAsync(client, request);
                if (outcome.Status == 0 && await SendAsync(client, request, freshConnection: true) is { Status: > 0 and < 500 } retried)
                {
                    // HTTP/1.1's keep-alive race: the host closed an idle pooled connection just as it was reused.
                    outcome = retried with { Status = -3, Detail = $"first {outcome.Detail}, then {retried.Status}" };
                }
                outcomes.Add(outcome);
            }
        })));
        return [.. outcomes];
    }

    /// <summary>A real client on the host's Kestrel port that sends what it is given: no redirects, no cookies, UTF-8 header bytes.</summary>
    private static HttpClient Client(ApiHost host)
    {
        using var probe = host.CreateClient();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            MaxResponseHeadersLength = 256,
        };
        return new HttpClient(handler) { BaseAddress = probe.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The request's status: 0 when it got no answer, -1 when this client could not even send it.</summary>
    private static async Task<Outcome> SendAsync(HttpClient client, FuzzRequest r, bool freshConnection = false)
    {
        HttpRequestMessage message;
        try
        {
            message = Build(client.BaseAddress!, r);
            message.Headers.ConnectionClose |= freshConnection;
        }
        catch (Exception ex) when (ex is UriFormatException or FormatException or ArgumentException or InvalidOperationException)
        {
            return new Outcome(r, -1, ex.GetType().Name + ": " + ex.Message);
        }
        using (message)
        using (var timeout = new CancellationTokenSource(RequestTimeout))
        {
            try
            {
                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                var detail = status >= 500 && response.Content.Headers.ContentType?.MediaType != "text/event-stream"
                    ? await PrefixAsync(response, timeout.Token)
                    : "";
                return new Outcome(r, status, detail);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return new Outcome(r, 0, $"no response within {RequestTimeout.TotalSeconds} s");
            }
            catch (HttpRequestException ex) when (RefusedUnread(r))
            {
                // The host may close the connection while a body it will not read is still being sent.
                return new Outcome(r, -2, ex.HttpRequestError.ToString());
            }
            catch (HttpRequestException ex)
            {
                return new Outcome(r, 0, $"{ex.HttpRequestError}: {ex.GetBaseException().Message}");
            }
        }
    }

    /// <summary>
    /// A request with a body that Kestrel refuses unread: the body is over the limit, or the request line
    /// or headers are over Kestrel's. It closes the connection after answering (a 413, 414 or 431).
    /// </summary>
    private static bool RefusedUnread(FuzzRequest r) =>
        r.Body is not null && (r.Body.Length > JsonBody.MaxBytes || r.PathAndQuery.Length >= KestrelLimits.MaxRequestLineSize
            || r.Headers.Sum(h => h.Key.Length + h.Value.Length + 4) >= KestrelLimits.MaxRequestHeadersTotalSize);

    private static readonly Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits KestrelLimits = new();

    private static HttpRequestMessage Build(Uri baseAddress, FuzzRequest r)
    {
        var target = baseAddress.GetLeftPart(UriPartial.Authority) + r.PathAndQuery;
        var uri = r.RawPath ? new Uri(target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }) : new Uri(target);
        var message = new HttpRequestMessage(new HttpMethod(r.Method), uri);
        foreach (var (name, value) in r.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (r.Body is not null)
        {
            message.Content = new ByteArrayContent(r.Body);
            if (r.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", r.ContentType);
            }
            message.Headers.TransferEncodingChunked = r.Chunked;
            // Kestrel closes the connection after answering such a request, with no warning in the
            // response: on a pooled connection the next request would find it closed.
            message.Headers.ConnectionClose = RefusedUnread(r);
        }
        return message;
    }

    private static async Task<string> PrefixAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[400];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>
    /// What must not change: every configuration column of every row, the admins' health-log events,
    /// and each server as its admin sees it (configuration, tools, whether it is disabled) on both hosts;
    /// not the rest of its status, which its health checks move on their own.
    /// </summary>
    private async Task<string> RegistryAsync()
    {
        var rows = await fixture.Database.QueryAsync("""
            SELECT concat_ws('|', name, transport, url, command, args::text, env::text, headers::text, enabled, allowed_roles::text,
                   health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds, call_timeout_seconds, created_at, updated_at)
            FROM omni2.mcp_servers ORDER BY name
            """, r => r.GetString(0));
        var manual = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log WHERE event_type IN ('manually_disabled', 'manually_enabled')");
        var views = new List<string>();
        foreach (var (host, names) in new[] { (fixture.Host, FuzzFixture.ServerNames), (fixture.Embedded, new[] { FuzzFixture.EmbeddedServer }) })
        {
            using var admin = host.ClientAs("admin");
            var list = JsonNode.Parse(await admin.GetStringAsync("/api/v1/mcp/tools/servers"))!["servers"]!.AsArray();
            views.Add(string.Join(",", list.Select(server => server!["name"]!.GetValue<string>()).Order()));
            foreach (var name in names)
            {
                var view = JsonNode.Parse(await admin.GetStringAsync($"/api/v1/mcp/servers/{name}"))!.AsObject();
                var disabled = view["status"]!["health_status"]!.GetValue<string>() == "disabled";
                view.Remove("status");
                views.Add($"{view.ToJsonString()} disabled={disabled}");
            }
        }
        return string.Join("\n", rows.Append($"manual events: {manual}").Concat(views));
    }
}
