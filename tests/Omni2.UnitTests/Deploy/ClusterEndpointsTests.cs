using System.Net;
using Microsoft.Extensions.Configuration;
using Omni2.Host.Silo;

namespace Omni2.UnitTests.Deploy;

public class ClusterEndpointsTests
{
    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData(" 172.18.0.5 ")]
    [InlineData("127.0.0.1")]
    public void An_ip_literal_is_advertised_as_it_is(string value) =>
        Assert.Equal(IPAddress.Parse(value.Trim()), ClusterEndpoints.Resolve(value));

    [Fact]
    public void A_host_name_resolves_to_an_ipv4_address() =>
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, ClusterEndpoints.Resolve("localhost").AddressFamily);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void An_unspecified_address_is_refused(string value) =>
        Assert.Throws<InvalidOperationException>(() => ClusterEndpoints.Resolve(value));

    [Fact]
    public void A_name_that_does_not_resolve_is_refused_with_the_setting_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClusterEndpoints.Resolve("no-such-host.invalid"));
        Assert.Contains(ClusterEndpoints.AdvertisedIPAddressKey, error.Message);
    }
}

public class KubernetesHostingTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private const string Postgres = "ConnectionStrings:Postgres";

    [Fact]
    public void On_in_a_pod_with_postgres() =>
        Assert.True(KubernetesHosting.IsEnabled(Config((Postgres, "Host=db"), (KubernetesHosting.ServiceHostVariable, "10.96.0.1"))));

    [Fact]
    public void Off_outside_kubernetes() =>
        Assert.False(KubernetesHosting.IsEnabled(Config((Postgres, "Host=db"))));

    [Fact]
    public void Off_for_the_embedded_default_even_in_a_pod() =>
        Assert.False(KubernetesHosting.IsEnabled(Config((KubernetesHosting.ServiceHostVariable, "10.96.0.1"))));

    [Fact]
    public void The_setting_overrides_the_detection()
    {
        Assert.False(KubernetesHosting.IsEnabled(Config((Postgres, "Host=db"), (KubernetesHosting.ServiceHostVariable, "10.96.0.1"), (KubernetesHosting.EnabledKey, "false"))));
        Assert.True(KubernetesHosting.IsEnabled(Config((Postgres, "Host=db"), (KubernetesHosting.EnabledKey, "true"))));
    }
}
