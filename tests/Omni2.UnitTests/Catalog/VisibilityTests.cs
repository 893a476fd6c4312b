using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.UnitTests.Catalog;

public sealed class VisibilityTests
{
    private static readonly string[] Viewer = ["viewer"];

    private static CatalogSnapshot Fleet()
    {
        var catalog = new ServerCatalog();
        catalog.Resync([Row("up", HealthStatus.Healthy), Row("down", HealthStatus.Disconnected), Row("secret", HealthStatus.Healthy, "admin")]);
        return catalog.Current;
    }

    private static CatalogEntry Row(string name, HealthStatus status, params string[] allowedRoles) => new(
        new McpServerInfo(name, McpTransport.StreamableHttp, true, [.. allowedRoles]),
        new McpServerStatus { Name = name, Status = status, Version = 1 },
        []);

    [Fact]
    public void Without_a_name_every_healthy_server_the_user_may_see_is_usable()
    {
        Assert.Equal(["up"], Fleet().UsableBy(Viewer, server: null).Select(e => e.Server.Name));
    }

    [Theory]
    [InlineData("up", true)]
    [InlineData("down", false)]
    [InlineData("secret", false)]
    [InlineData("missing", false)]
    public void A_named_server_is_usable_only_if_healthy_and_visible(string name, bool usable)
    {
        Assert.Equal(usable ? [name] : [], Fleet().UsableBy(Viewer, name).Select(e => e.Server.Name));
    }
}
