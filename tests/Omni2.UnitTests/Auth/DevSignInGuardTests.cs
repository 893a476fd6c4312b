using Microsoft.AspNetCore.Http;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Auth;

/// <summary>The dev sign-in answers only the dashboard's own page on this machine: a loopback Host and a same-origin request.</summary>
public sealed class DevSignInGuardTests
{
    private static HttpRequest Request(string host, string? origin = null, string? fetchSite = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(host);
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }
        if (fetchSite is not null)
        {
            context.Request.Headers["Sec-Fetch-Site"] = fetchSite;
        }
        return context.Request;
    }

    [Theory]
    [InlineData("localhost:5080")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1:5080")]
    [InlineData("127.1.2.3")]
    [InlineData("[::1]:5080")]
    public void Loopback_host_names_are_loopback(string host) => Assert.True(DevSignInGuard.NamesLoopback(new HostString(host)));

    [Theory]
    [InlineData("rebound.example.com:5080")]
    [InlineData("127.0.0.1.nip.io:5080")]
    [InlineData("localhost.example.com")]
    [InlineData("10.0.0.5:5080")]
    [InlineData("")]
    public void Other_host_names_are_not(string host) => Assert.False(DevSignInGuard.NamesLoopback(new HostString(host)));

    [Fact]
    public void The_dashboards_own_origin_may_sign_in() =>
        Assert.Null(DevSignInGuard.Refusal(Request("127.0.0.1:5080", origin: "http://127.0.0.1:5080", fetchSite: "same-origin")));

    [Fact]
    public void Same_origin_fetch_metadata_without_an_origin_may_sign_in() =>
        Assert.Null(DevSignInGuard.Refusal(Request("localhost:5080", fetchSite: "same-origin")));

    [Fact]
    public void A_rebound_host_name_is_refused_naming_it() =>
        Assert.Contains("not to 'rebound.example.com:5080'", DevSignInGuard.Refusal(Request("rebound.example.com:5080", origin: "http://rebound.example.com:5080", fetchSite: "same-origin")));

    [Theory]
    [InlineData("http://evil.example.com")]
    [InlineData("http://127.0.0.1:5081")]
    [InlineData("null")]
    public void Another_origin_is_refused_naming_it(string origin) =>
        Assert.Contains($"Origin '{origin}' is not http://127.0.0.1:5080", DevSignInGuard.Refusal(Request("127.0.0.1:5080", origin: origin, fetchSite: "same-origin")));

    [Theory]
    [InlineData(null)]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    [InlineData("none")]
    public void Without_an_origin_only_same_origin_fetch_metadata_will_do(string? fetchSite) =>
        Assert.Contains("neither an Origin header nor 'Sec-Fetch-Site: same-origin'", DevSignInGuard.Refusal(Request("127.0.0.1:5080", fetchSite: fetchSite)));
}
