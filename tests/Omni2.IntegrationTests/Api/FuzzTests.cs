using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Omni2.Host.Api;
using Omni2.Host.Http;
using Omni2.Testing;
using Xunit.Abstractions;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// 20,000 randomized malformed requests, the same for the same run number, across every endpoint, from 12 clients at once: no
/// 5xx, no request left unanswered, no defective registration accepted, both hosts alive afterwards and
/// the registry unchanged. The run number is printed; OMNI2_FUZZ_RUN reproduces a run, OMNI2_FUZZ_REQUESTS
/// and OMNI2_FUZZ_CLIENTS size it (one client sends in order), OMNI2_FUZZ_ONLY=i,j sends only those.
/// </summary>
public sealed class FuzzTests(FuzzFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzFixture>
{
    private const int DefaultRun = 13_08;
    private const int DefaultRequests = 20_000;
    private const int DefaultClients = 12;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    private sealed record Outcome(FuzzRequest Request, int Status, string Detail);

    [Fact]
    public async Task Randomized_malformed_requests_get_no_5xx_and_change_nothing()
    {
        var run = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_RUN"), CultureInfo.InvariantCulture, out var s) ? s : DefaultRun;
        var clients = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_CLIENTS"), CultureInfo.InvariantCulture, out var c) ? c : DefaultClients;
        var count = int.TryParse(Environment.GetEnvironmentVariable("OMNI2_FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : DefaultRequests;
        output.WriteLine($"fuzz run {run} (OMNI2_FUZZ_RUN={run} reproduces it), {count} requests from {clients} clients");
        var mustStay = FuzzFixture.ServerNames.Append(FuzzFixture.EmbeddedServer).ToArray();
        var generator = new FuzzRequestGenerator(run, new FuzzTargets(FuzzFixture.ServerNames, FuzzFixture.ServerNames[..3], fixture.Tokens, fixture.SessionIds), mustStay);
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
            $"run {run}: {failures.Count} of {outcomes.Count} requests got a 5xx or no answer:\n" + string.Join("\n", failures.Take(60).Select(f =>
                $"{Label(f.Status)} ({f.Detail}) for {f.Request.Describe()}")));
        Assert.True(outcomes.Count(o => o.Status > 0) >= 10_000 || count < 10_000, $"only {outcomes.Count(o => o.Status > 0)} requests were answered");
        var defective = outcomes.Where(o => o.Request.Note.StartsWith("defect", StringComparison.Ordinal)).ToList();
        output.WriteLine($"{defective.Count} defective registrations under admin tokens: {string.Join(", ", defective.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{Label(g.Key)}: {g.Count()}"))}");
        var accepted = defective.Where(o => o.Status is >= 200 and < 300).ToList();
        Assert.True(accepted.Count == 0, $"run {run}: defective registrations accepted:\n" + string.Join("\n", accepted.Select(a => $"{a.Status} for {a.Request.Describe()}")));

        foreach (var host in new[] { fixture.Host, fixture.Embedded })
        {
            using var probe = host.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);
        }
        Assert.Equal(before, await RegistryAsync());
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
