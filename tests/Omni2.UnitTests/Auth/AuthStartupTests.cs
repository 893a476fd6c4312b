using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Auth;

/// <summary>What the host refuses to start with: a demo key outside the embedded default, OIDC without issuer and audience.</summary>
public sealed class AuthStartupTests
{
    private const string Postgres = "Host=db;Database=omni2";
    private static readonly string OwnKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    /// <summary>The host's startup path for the auth settings: <c>AddOmni2Auth</c> on a builder with only these settings.</summary>
    private static WebApplicationBuilder Builder(params (string Key, string? Value)[] settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return builder.AddOmni2Auth();
    }

    [Theory]
    [MemberData(nameof(DemoKeys))]
    public void A_demo_key_is_refused_outside_the_embedded_default(string demoKey)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder(("ConnectionStrings:Postgres", Postgres), ("Auth:SigningKey", demoKey)));

        Assert.Contains("Auth:SigningKey is a demo key", error.Message);
        Assert.Contains("openssl rand -base64 48", error.Message);
    }

    public static TheoryData<string> DemoKeys() => [.. SigningKeys.DemoKeys];

    [Fact]
    public void The_demo_key_published_in_k8s_and_env_example_is_a_demo_key() =>
        Assert.Contains("local-only-signing-key-change-me-0123456789abcdef", (IReadOnlySet<string>)SigningKeys.DemoKeys);

    [Fact]
    public void A_demo_key_is_accepted_in_the_embedded_default() =>
        Assert.True(Issuer(Builder(("Auth:SigningKey", SigningKeys.DemoKeys.First()))).CanIssue);

    [Fact]
    public void A_key_of_ones_own_is_accepted_outside_the_embedded_default() =>
        Assert.True(Issuer(Builder(("ConnectionStrings:Postgres", Postgres), ("Auth:SigningKey", OwnKey))).CanIssue);

    private static TokenIssuer Issuer(WebApplicationBuilder builder)
    {
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<TokenIssuer>();
    }

    [Fact]
    public void Oidc_without_issuer_and_audience_fails_naming_both()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder(("ConnectionStrings:Postgres", Postgres), ("Auth:Authority", "https://login.example.com")));

        Assert.Contains("Auth:Issuer and Auth:Audience", error.Message);
    }

    [Theory]
    [InlineData("Auth:Issuer", "Auth:Audience")]
    [InlineData("Auth:Audience", "Auth:Issuer")]
    public void Oidc_names_the_one_setting_missing(string given, string missing)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder(("Auth:Authority", "https://login.example.com"), (given, "x")));

        Assert.Contains($"needs {missing}:", error.Message);
        Assert.DoesNotContain(given, error.Message);
    }

    [Theory]
    [InlineData("https://login.example.com/", "omni2", true)]
    [InlineData("https://login.example.com/", "another-app", false)]
    [InlineData("https://evil.example.com/", "omni2", false)]
    public async Task Oidc_tokens_are_validated_against_issuer_and_audience(string issuer, string audience, bool valid)
    {
        var builder = Builder(("ConnectionStrings:Postgres", Postgres), ("Auth:Authority", "https://login.example.com"),
            ("Auth:Issuer", "https://login.example.com/"), ("Auth:Audience", "omni2"));
        using var services = builder.Services.BuildServiceProvider();
        var parameters = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters.Clone();
        // The authority's keys come from its metadata; a key of the test's stands in for them.
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(OwnKey));
        parameters.IssuerSigningKey = key;
        parameters.ValidateIssuerSigningKey = true;
        var token = new TokenIssuer(new AuthOptions { Issuer = issuer, Audience = audience }, key).Issue("ana", Roles.Viewer, TimeSpan.FromMinutes(5));

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);

        Assert.Equal(valid, result.IsValid);
    }
}
