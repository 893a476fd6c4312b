using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;

namespace Omni2.Host.Silo;

/// <summary>
/// Where a silo listens and what it advertises.
/// <para>
/// <c>Orleans:AdvertisedIPAddress</c>: the address a silo publishes in the membership table, where the
/// other silos look it up. Without it Orleans advertises one of the host's interface addresses, which is
/// a guess on a host with several networks (a container on two Docker networks, a machine with a VPN).
/// The value is an IP literal (a pod's IP from the downward API) or a host name resolved once, when the
/// silo starts, to its IPv4 address (a container's alias on its cluster network).
/// </para>
/// <para>
/// <c>Orleans:GatewayPort</c>: the port Orleans clients connect to. Nothing in Omni2 is an Orleans client
/// (the web host runs inside the silo), and client connections are not authenticated, so the port is
/// opened only when it is configured.
/// </para>
/// </summary>
public static class ClusterEndpoints
{
    public const string AdvertisedIPAddressKey = "Orleans:AdvertisedIPAddress";
    public const string GatewayPortKey = "Orleans:GatewayPort";
    public const string ListenOnAnyHostAddressKey = "Orleans:ListenOnAnyHostAddress";

    /// <summary>The configured gateway port, or 0: Orleans then opens no gateway at all.</summary>
    public static int GatewayPort(IConfiguration configuration) => configuration.GetValue(GatewayPortKey, 0);

    /// <summary>
    /// The silo port (and the gateway port, when there is one) on the advertised address, or on every
    /// interface with <c>Orleans:ListenOnAnyHostAddress</c>. Orleans' own <c>ConfigureEndpoints</c> would,
    /// on every interface, listen on a random port for a gateway port of 0 instead of on none.
    /// </summary>
    public static ISiloBuilder UseConfiguredEndpoints(this ISiloBuilder silo, IConfiguration configuration, int siloPort, int gatewayPort)
    {
        silo.ConfigureEndpoints(siloPort, gatewayPort);
        if (configuration.GetValue(ListenOnAnyHostAddressKey, false))
        {
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, siloPort);
                o.GatewayListeningEndpoint = gatewayPort > 0 ? new IPEndPoint(IPAddress.Any, gatewayPort) : null;
            });
        }
        return silo.UseConfiguredAdvertisedAddress(configuration);
    }

    /// <summary>Advertises the configured address, when there is one; otherwise leaves Orleans' choice.</summary>
    private static ISiloBuilder UseConfiguredAdvertisedAddress(this ISiloBuilder silo, IConfiguration configuration)
    {
        var value = configuration[AdvertisedIPAddressKey];
        if (!string.IsNullOrWhiteSpace(value))
        {
            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = Resolve(value));
        }
        return silo;
    }

    /// <summary>An IP literal as it is, or a host name's IPv4 address; never an unspecified address.</summary>
    public static IPAddress Resolve(string value)
    {
        value = value.Trim();
        IPAddress? address;
        if (!IPAddress.TryParse(value, out address))
        {
            IPAddress[] candidates;
            try
            {
                candidates = Dns.GetHostAddresses(value);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"{AdvertisedIPAddressKey} '{value}' is neither an IP address nor a host name that resolves: {ex.Message}", ex);
            }
            address = candidates.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? candidates.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new InvalidOperationException($"{AdvertisedIPAddressKey} '{value}' resolves to no IPv4 address.");
        }
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None) || address.Equals(IPAddress.IPv6None))
        {
            throw new InvalidOperationException($"{AdvertisedIPAddressKey} must be an address other silos can reach, not '{value}'.");
        }
        return address;
    }
}
