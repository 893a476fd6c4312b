using System.Reflection;
using Omni2.Contracts;

namespace Omni2.UnitTests.Servers;

public sealed class ServerLimitsTests
{
    [Fact]
    public void A_tool_call_request_outlives_the_longest_call_timeout() =>
        Assert.True(TimeSpan.Parse(ServerLimits.CallResponseTimeout) > TimeSpan.FromSeconds(ServerLimits.MaxCallTimeoutSeconds));

    [Fact]
    public void A_reconnecting_request_outlives_a_check_in_flight_plus_a_connect_and_a_listing() =>
        Assert.True(TimeSpan.Parse(ServerLimits.ConnectResponseTimeout)
            > TimeSpan.FromSeconds(2 * ServerLimits.MaxCheckTimeoutSeconds + ServerLimits.MaxConnectTimeoutSeconds));

    [Theory]
    [InlineData(nameof(IMcpServerGrain.CallToolAsync), ServerLimits.CallResponseTimeout)]
    [InlineData(nameof(IMcpServerGrain.CheckNowAsync), ServerLimits.ConnectResponseTimeout)]
    [InlineData(nameof(IMcpServerGrain.EnableAsync), ServerLimits.ConnectResponseTimeout)]
    [InlineData(nameof(IMcpServerGrain.ResetCircuitAsync), ServerLimits.ConnectResponseTimeout)]
    [InlineData(nameof(IMcpServerGrain.ApplyConfigAsync), ServerLimits.ConnectResponseTimeout)]
    public void Long_grain_methods_carry_their_response_timeout(string method, string timeout)
    {
        var attribute = typeof(IMcpServerGrain).GetMethod(method)!.GetCustomAttribute<ResponseTimeoutAttribute>();
        Assert.NotNull(attribute);
        Assert.Equal(TimeSpan.Parse(timeout), attribute.Timeout);
    }
}
