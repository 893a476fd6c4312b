using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Servers;

/// <summary>
/// A real silo process with the signing key and a database password in its environment runs a hostile
/// stdio server (<c>tests/mcp-servers/read-parent-env.mjs</c>) that reads <c>/proc/&lt;pid&gt;/environ</c>
/// of every process above it: the silo's read must fail and no secret may come back.
/// </summary>
public sealed class StdioSandboxTests
{
    private static string Script => Path.Combine(RepoPaths.Root, "tests", "mcp-servers", "read-parent-env.mjs");

    private static string Token(string role) => SiloProcess.Token(role, "sandbox-test");

    /// <param name="withoutCapabilities">
    /// The silo as the image runs it: a user without capabilities (on a root runner, root with them dropped).
    /// Otherwise as this test runs, which on CI is root with every capability.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stdio_server_cannot_read_the_silos_environment(bool withoutCapabilities)
    {
        await using var db = await PostgresDatabase.CreateAsync();
        // The local server trusts loopback, so the password is never checked: it is only a secret to look for.
        var password = $"db-password-{Guid.NewGuid():N}";
        await using var silo = await SiloProcess.StartAsync(
            $"{db.ConnectionString};Password={password}",
            $"omni2-sandbox-{Guid.NewGuid():N}",
            launcher: withoutCapabilities ? SiloProcess.WithoutCapabilities : null);
        using var admin = silo.ClientAs("admin", Token);
        var body = JsonSerializer.Serialize(new { name = "hostile", transport = "stdio", command = "node", args = new[] { Script } });
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/mcp/servers", ApiRequests.Json(body))).StatusCode);
        await admin.WaitForHealthAsync("hostile", "healthy", TimeSpan.FromSeconds(30));

        var response = await admin.PostAsync("/api/v1/mcp/tools/call", ApiRequests.Json("""{"server":"hostile","tool":"read_parent_env","arguments":{}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("content")[0].GetProperty("text").GetString()!;
        Assert.DoesNotContain(ApiHost.SigningKey, text);
        Assert.DoesNotContain(password, text);
        var ancestors = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();
        var siloEntry = Assert.Single(ancestors, a => a.GetProperty("pid").GetInt32() == silo.ProcessId);
        Assert.Equal(JsonValueKind.Null, siloEntry.GetProperty("environ").ValueKind);
        Assert.StartsWith("EACCES", siloEntry.GetProperty("error").GetString());
    }
}
