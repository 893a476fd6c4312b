using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// With an OIDC authority, /mcp tells MCP clients where to sign in the way the MCP authorization spec
/// has them discover it: a 401 names RFC 9728 metadata, and the metadata names the authority.
/// </summary>
public sealed class ProtectedResourceMetadataTests : IAsyncLifetime
{
    private const string Authority = "https://login.example.com/realms/omni2";
    private PostgresDatabase _db = null!;
    private ApiHost _host = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        _host = new ApiHost(_db.ConnectionString, $"omni2-prm-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Auth:Authority"] = Authority,
            ["Auth:Issuer"] = Authority,
            ["Auth:Audience"] = "omni2",
        });
        _host.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_401_on_mcp_names_the_resource_metadata()
    {
        using var client = _host.CreateClient();

        var response = await client.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains($"resource_metadata=\"{client.BaseAddress!.GetLeftPart(UriPartial.Authority)}/.well-known/oauth-protected-resource/mcp\"", challenge.Parameter);
    }

    [Fact]
    public async Task The_metadata_names_the_resource_and_its_authority_to_anyone()
    {
        using var client = _host.CreateClient();

        var metadata = await client.GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource/mcp");

        Assert.Equal($"{client.BaseAddress!.GetLeftPart(UriPartial.Authority)}/mcp", metadata.GetProperty("resource").GetString());
        Assert.Equal([Authority], metadata.GetProperty("authorization_servers").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task The_rest_api_keeps_its_plain_challenge()
    {
        using var client = _host.CreateClient();

        var response = await client.GetAsync("/api/v1/mcp/status");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(response.Headers.WwwAuthenticate, h => h.Parameter?.Contains("resource_metadata") == true);
    }
}
