using System.Net;
using System.Net.Sockets;

namespace Omni2.Testing;

/// <summary>Loopback ports for things a test or benchmark starts.</summary>
public static class Ports
{
    /// <summary>A port that was free a moment ago (the OS picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
