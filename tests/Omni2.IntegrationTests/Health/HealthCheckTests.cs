using System.Net;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;

namespace Omni2.IntegrationTests.Health;

/// <summary>The probes as ASP.NET Core health checks: live and ready by tag, each check in the body in Omni2's words.</summary>
[Collection("api")]
public sealed class HealthCheckTests(ApiFixture fixture)
{
    private static async Task<JsonElement> ProbeAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.Clone();
    }

    [Fact]
    public async Task Live_runs_only_the_live_checks()
    {
        using var anonymous = fixture.A.ClientAs(null);

        var body = await ProbeAsync(anonymous, "/health/live");

        Assert.Equal("live", body.GetProperty("status").GetString());
        Assert.Equal(["process"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name));
    }

    [Fact]
    public async Task Ready_reports_the_silo_the_catalog_and_the_database()
    {
        using var anonymous = fixture.B.ClientAs(null);

        var body = await ProbeAsync(anonymous, "/health/ready");

        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("database").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal(["catalog", "database", "silo"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("healthy", c.Value.GetProperty("status").GetString()));
        Assert.Equal("this silo is active in the cluster", checks.GetProperty("silo").GetProperty("description").GetString());
    }
}
