using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.Testing;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// The embedded default's dev sign-in on a real host: a token for the dashboard's own page, a 403 problem
/// for another origin or a rebound host name, and a host outside <c>AllowedHosts</c> (loopback only) turned away.
/// </summary>
public sealed class DevSignInTests(DevSignInTests.EmbeddedHosts hosts) : IClassFixture<DevSignInTests.EmbeddedHosts>
{
    private const string DevToken = "/api/v1/auth/dev-token";

    /// <summary>The embedded default as shipped, and one whose AllowedHosts lets any Host header through.</summary>
    public sealed class EmbeddedHosts : IAsyncLifetime
    {
        // The configured 'everything' server stays disabled: it would be fetched with npx.
        public ApiHost Shipped { get; } = ApiHost.Embedded(new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false" });

        public ApiHost AnyHost { get; } = ApiHost.Embedded(new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false", ["AllowedHosts"] = "*" });

        public Task InitializeAsync()
        {
            Shipped.StartServer();
            AnyHost.StartServer();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync()
        {
            await AnyHost.DisposeAsync();
            await Shipped.DisposeAsync();
        }
    }

    private static HttpRequestMessage SignIn(HttpClient client, string? origin = null, string? fetchSite = null, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, DevToken) { Content = Json("""{"role":"admin"}""") };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        return request;
    }

    private static string OriginOf(HttpClient client) => client.BaseAddress!.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task The_dashboards_own_page_gets_a_token()
    {
        using var client = hosts.Shipped.ClientAs(null);

        var response = await client.SendAsync(SignIn(client, origin: OriginOf(client), fetchSite: "same-origin"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("admin", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Same_origin_fetch_metadata_without_an_origin_gets_a_token()
    {
        using var client = hosts.Shipped.ClientAs(null);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(SignIn(client, fetchSite: "same-origin"))).StatusCode);
    }

    [Fact]
    public async Task Another_sites_page_gets_a_403_problem_naming_its_origin()
    {
        using var client = hosts.Shipped.ClientAs(null);

        var response = await client.SendAsync(SignIn(client, origin: "http://evil.example.com", fetchSite: "cross-site"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "Origin 'http://evil.example.com' is not");
    }

    [Fact]
    public async Task A_request_without_origin_or_fetch_metadata_gets_a_403_problem()
    {
        using var client = hosts.Shipped.ClientAs(null);

        await AssertProblemAsync(await client.SendAsync(SignIn(client)), HttpStatusCode.Forbidden, "neither an Origin header nor 'Sec-Fetch-Site: same-origin'");
    }

    [Fact]
    public async Task A_host_name_outside_the_loopback_allowed_hosts_is_turned_away()
    {
        using var client = hosts.Shipped.ClientAs(null);
        var rebound = $"rebound.example.com:{client.BaseAddress!.Port}";

        var response = await client.SendAsync(SignIn(client, origin: $"http://{rebound}", fetchSite: "same-origin", host: rebound));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("token", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_rebound_host_name_gets_a_403_problem_even_when_allowed_hosts_lets_it_in()
    {
        using var client = hosts.AnyHost.ClientAs(null);
        var rebound = $"rebound.example.com:{client.BaseAddress!.Port}";

        var response = await client.SendAsync(SignIn(client, origin: $"http://{rebound}", fetchSite: "same-origin", host: rebound));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, $"not to '{rebound}'");
    }

    [Fact]
    public async Task The_page_is_offered_the_dev_sign_in_on_a_loopback_name_only()
    {
        using var client = hosts.AnyHost.ClientAs(null);
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/v1/dashboard/settings");
        rebound.Headers.Host = $"rebound.example.com:{client.BaseAddress!.Port}";

        var local = await client.GetFromJsonAsync<JsonElement>("/api/v1/dashboard/settings");
        var remote = await (await client.SendAsync(rebound)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(3, local.GetProperty("dev_sign_in_roles").GetArrayLength());
        Assert.Equal(0, remote.GetProperty("dev_sign_in_roles").GetArrayLength());
    }
}
