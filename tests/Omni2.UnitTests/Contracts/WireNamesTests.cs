using Omni2.Contracts;

namespace Omni2.UnitTests.Contracts;

public sealed class WireNamesTests
{
    [Fact]
    public void Every_status_circuit_and_event_has_a_distinct_snake_case_name_that_parses_back()
    {
        foreach (var status in Enum.GetValues<HealthStatus>())
        {
            Assert.Equal(status, WireNames.ParseStatus(status.ToWire()));
        }
        foreach (var circuit in Enum.GetValues<CircuitState>())
        {
            Assert.Equal(circuit, WireNames.ParseCircuit(circuit.ToWire()));
        }
        foreach (var type in Enum.GetValues<HealthEventType>())
        {
            Assert.Equal(type, WireNames.ParseEvent(type.ToWire()));
        }
        foreach (var transport in Enum.GetValues<McpTransport>())
        {
            Assert.True(WireNames.TryParseTransport(transport.ToWire(), out var parsed));
            Assert.Equal(transport, parsed);
        }
        var names = Enum.GetValues<HealthEventType>().Select(t => t.ToWire()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z]+(_[a-z]+)*$", n));
    }

    [Theory]
    [InlineData("circuit_open", HealthStatus.CircuitOpen)]
    [InlineData("unknown", HealthStatus.Unknown)]
    [InlineData("disabled", HealthStatus.Disabled)]
    public void Statuses_are_spelled_as_the_database_checks_them(string wire, HealthStatus status) =>
        Assert.Equal(wire, status.ToWire());

    [Theory]
    [InlineData("CircuitOpen")]
    [InlineData("Healthy")]
    [InlineData("")]
    public void A_name_not_spelled_exactly_is_refused(string value)
    {
        Assert.Throws<FormatException>(() => WireNames.ParseStatus(value));
        Assert.False(WireNames.TryParseTransport(value, out _));
    }

    [Fact]
    public void An_unknown_transport_is_refused()
    {
        Assert.False(WireNames.TryParseTransport(null, out _));
        Assert.False(WireNames.TryParseTransport("websocket", out _));
        Assert.True(WireNames.TryParseTransport("streamable_http", out var transport));
        Assert.Equal(McpTransport.StreamableHttp, transport);
    }
}
