using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Host.Auth;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// <c>POST /api/v1/auth/revocations</c>: an admin revokes a token (jti) or a user on one silo; every silo
/// then refuses it on REST and <c>/mcp</c>, and closes hub connections opened with it.
/// </summary>
[Collection("api")]
public sealed class RevocationTests(ApiFixture fixture)
{
    /// <summary>
    /// How long the other silo may take, generously: each reads new revocations every 0.5 s. That it happens is
    /// what these tests check; how fast is a figure for a benchmark.
    /// </summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private (string Token, string Jti) Mint(string user, string role = "operator")
    {
        var token = fixture.A.Services.GetRequiredService<TokenIssuer>().Issue(user, role, TimeSpan.FromMinutes(30), out var jti);
        return (token, jti);
    }

    private HttpClient ClientWith(ApiHost host, string token)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<HttpStatusCode> McpStatusAsync(ApiHost host, string token)
    {
        using var client = ClientWith(host, token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = Json(Initialize) };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> RevokeAsync(ApiHost host, string body)
    {
        using var admin = host.ClientAs("admin");
        return await admin.PostAsync("/api/v1/auth/revocations", Json(body));
    }

    [Fact]
    public async Task A_revoked_jti_is_refused_on_every_silo_on_rest_mcp_and_the_hub()
    {
        var user = ClusterFixture.UniqueName("rev-jti");
        var (token, jti) = Mint(user);
        var (other, _) = Mint(user);
        using var rest = ClientWith(fixture.B, token);
        Assert.Equal(HttpStatusCode.OK, (await rest.GetAsync("/api/v1/mcp/status")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, await McpStatusAsync(fixture.B, token));
        await using var hub = await RealtimeClient.ConnectAsync(fixture.B, token);

        var revoked = await RevokeAsync(fixture.A, $$"""{"jti":"{{jti}}"}""");

        Assert.Equal(HttpStatusCode.Created, revoked.StatusCode);
        await Eventually.MatchesAsync(async () => (await rest.GetAsync("/api/v1/mcp/status")).StatusCode, s => s == HttpStatusCode.Unauthorized, Deadline, "the revoked token refused on the other silo");
        await Eventually.MatchesAsync(() => Task.FromResult(hub.ClosedAt), closed => closed is not null, Deadline, "the hub connection closed");
        Assert.Contains(hub.Events(), e => e.GetProperty("type").GetString() == "session_expired" && e.GetProperty("reason").GetString() == "token revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await McpStatusAsync(fixture.B, token));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientWith(fixture.A, token).GetAsync("/api/v1/mcp/status")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => RealtimeClient.ConnectAsync(fixture.A, token));
        Assert.Equal(HttpStatusCode.OK, (await ClientWith(fixture.B, other).GetAsync("/api/v1/mcp/status")).StatusCode);
        Assert.Equal(1, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.token_revocations WHERE jti = $1", jti));
    }

    [Fact]
    public async Task A_revoked_user_loses_every_token_issued_so_far_and_a_new_one_works()
    {
        var user = ClusterFixture.UniqueName("rev-user");
        var (first, _) = Mint(user);
        var (second, _) = Mint(user, "viewer");

        Assert.Equal(HttpStatusCode.Created, (await RevokeAsync(fixture.B, $$"""{"user":"{{user}}"}""")).StatusCode);

        foreach (var token in new[] { first, second })
        {
            using var client = ClientWith(fixture.A, token);
            await Eventually.MatchesAsync(async () => (await client.GetAsync("/api/v1/mcp/status")).StatusCode, s => s == HttpStatusCode.Unauthorized, Deadline, "the user's token refused");
        }
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // iat counts whole seconds
        var (fresh, _) = Mint(user);
        Assert.Equal(HttpStatusCode.OK, (await ClientWith(fixture.A, fresh).GetAsync("/api/v1/mcp/status")).StatusCode);
    }

    [Theory]
    [InlineData("{}", "jti")]
    [InlineData("""{"jti":"a","user":"b"}""", "user")]
    [InlineData("""{"jti":""}""", "jti")]
    [InlineData("""{"user":"   "}""", "user")]
    [InlineData("""{"jti":"a","reason":"x"}""", "reason")]
    public async Task A_revocation_names_exactly_one_token_or_user(string body, string field)
    {
        var response = await RevokeAsync(fixture.A, body);

        var detail = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, detail + await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    [InlineData("operator", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task Only_admins_revoke(string? role, HttpStatusCode expected)
    {
        using var client = fixture.A.ClientAs(role);

        var response = await client.PostAsync("/api/v1/auth/revocations", Json("""{"user":"nobody"}"""));

        Assert.Equal(expected, response.StatusCode);
    }
}
