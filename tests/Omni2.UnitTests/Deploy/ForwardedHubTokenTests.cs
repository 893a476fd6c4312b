using Microsoft.AspNetCore.Http;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Deploy;

public class ForwardedHubTokenTests
{
    private static HttpRequest Request(string path, string? forwardedUri, string? authorization = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (forwardedUri is not null)
        {
            context.Request.Headers[ForwardedHubToken.ForwardedUriHeader] = forwardedUri;
        }
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }
        return context.Request;
    }

    [Theory]
    [InlineData("/ws?id=abc&access_token=tok")]
    [InlineData("/ws/?access_token=tok")]
    [InlineData("/ws?access_token=tok&id=abc")]
    public void A_hub_uri_gives_its_query_token_to_the_verify_endpoint(string uri) =>
        Assert.Equal("tok", ForwardedHubToken.Read(Request("/api/v1/auth/verify", uri)));

    [Theory]
    [InlineData("/api/v1/mcp/status?access_token=tok")] // only the hub takes tokens from the query
    [InlineData("/wsx?access_token=tok")]
    [InlineData("/ws?id=abc")]
    [InlineData("/ws?access_token=")]
    [InlineData("/ws?access_token=a&access_token=b")]
    [InlineData("http://evil/ws?access_token=tok")]
    [InlineData("")]
    public void Anything_else_gives_none(string uri) =>
        Assert.Null(ForwardedHubToken.Read(Request("/api/v1/auth/verify", uri)));

    [Fact]
    public void Only_the_verify_endpoint_reads_the_header() =>
        Assert.Null(ForwardedHubToken.Read(Request("/api/v1/mcp/status", "/ws?access_token=tok")));

    [Fact]
    public void An_authorization_header_wins() =>
        Assert.Null(ForwardedHubToken.Read(Request("/api/v1/auth/verify", "/ws?access_token=tok", "Bearer other")));

    [Fact]
    public void No_header_gives_none() =>
        Assert.Null(ForwardedHubToken.Read(Request("/api/v1/auth/verify", null)));
}
