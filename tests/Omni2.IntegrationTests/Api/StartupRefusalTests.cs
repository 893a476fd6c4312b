using Omni2.Host.Auth;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Api;

/// <summary>The real host process refuses to start, saying why, with settings that would let others sign tokens.</summary>
public sealed class StartupRefusalTests
{
    // The host refuses before it connects: no database is needed behind this connection string.
    private const string Postgres = "Host=127.0.0.1;Port=1;Database=none";

    public static TheoryData<string, string, string?, string> Refusals() => new()
    {
        { "a demo key outside the embedded default", "Auth:SigningKey", SigningKeys.DemoKeys.First(), "Auth:SigningKey is a demo key" },
        { "OIDC without issuer and audience", "Auth:Authority", "https://login.example.com", "OIDC (Auth:Authority) needs Auth:Issuer and Auth:Audience" },
        { "an unknown tool pinning mode", "Omni2:Tools:Pinning", "sometimes", "Omni2:Tools:Pinning" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task The_host_refuses_to_start_with(string what, string key, string? value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key == "Auth:Authority")
        {
            settings["Auth:SigningKey"] = null;
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(Postgres, $"omni2-refused-{Guid.NewGuid():N}", settings));

        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
    }
}
