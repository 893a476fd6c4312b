using Omni2.Testing;

namespace Omni2.IntegrationTests.ScaleOut;

/// <summary>
/// Real silo processes open their HTTP and silo ports and nothing else: the Orleans gateway (client) port,
/// unauthenticated and used by nothing in Omni2, only when <c>Orleans:GatewayPort</c> is configured.
/// </summary>
public sealed class ClosedPortsTests
{
    private const int Active = 3;

    [Fact]
    public async Task Two_silos_cluster_with_no_gateway_port_and_listen_only_on_http_and_silo_ports()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-ports-{Guid.NewGuid():N}";
        // One listens on its advertised address, one on every interface, as the image does.
        await using var a = await SiloProcess.StartAsync(db.ConnectionString, serviceId);
        await using var b = await SiloProcess.StartAsync(db.ConnectionString, serviceId, new Dictionary<string, string?> { ["Orleans:ListenOnAnyHostAddress"] = "true" });

        var members = await Eventually.MatchesAsync(
            () => MembersAsync(db, serviceId),
            rows => rows.Count(r => r.Status == Active) == 2,
            TimeSpan.FromSeconds(30),
            "both silos active in one cluster");

        Assert.All(members, m => Assert.Equal(0, m.ProxyPort));
        foreach (var silo in new[] { a, b })
        {
            Assert.Equal(new[] { silo.BaseAddress.Port, silo.SiloPort }.Order().ToList(), ListeningPorts.Of(silo.ProcessId));
        }
    }

    [Fact]
    public async Task A_configured_gateway_port_is_opened_and_advertised()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-gateway-{Guid.NewGuid():N}";
        var gatewayPort = Ports.Free();
        await using var silo = await SiloProcess.StartAsync(db.ConnectionString, serviceId, new Dictionary<string, string?>
        {
            ["Orleans:GatewayPort"] = gatewayPort.ToString(),
            ["Orleans:ListenOnAnyHostAddress"] = "true",
        });

        var members = await Eventually.MatchesAsync(() => MembersAsync(db, serviceId), rows => rows.Any(r => r.Status == Active), TimeSpan.FromSeconds(30), "the silo active");

        Assert.Equal(gatewayPort, members.Single(m => m.Status == Active).ProxyPort);
        Assert.Contains(gatewayPort, ListeningPorts.Of(silo.ProcessId));
    }

    [Fact]
    public async Task The_embedded_default_listens_only_on_http_and_silo_ports()
    {
        // No PostgreSQL; the configured 'everything' server stays disabled (it would be fetched with npx).
        await using var silo = await SiloProcess.StartAsync("", $"omni2-embedded-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false" });

        Assert.Equal(new[] { silo.BaseAddress.Port, silo.SiloPort }.Order().ToList(), ListeningPorts.Of(silo.ProcessId));
    }

    private sealed record Member(int Status, int ProxyPort);

    private static Task<List<Member>> MembersAsync(PostgresDatabase db, string clusterId) =>
        db.QueryAsync("SELECT Status, ProxyPort FROM OrleansMembershipTable WHERE DeploymentId = $1", r => new Member(r.GetInt32(0), r.GetInt32(1)), clusterId);
}
