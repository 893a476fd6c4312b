using Microsoft.Extensions.Configuration;
using Omni2.Host.Registration;
using Omni2.Host.Silo;

namespace Omni2.UnitTests.Silo;

/// <summary><c>Omni2:Servers</c> goes through the API's validator: what the API refuses stops the host, with the API's field errors.</summary>
public sealed class ConfiguredServersTests
{
    [Fact]
    public void The_shipped_default_server_is_accepted_with_the_registration_defaults()
    {
        var configs = ConfiguredServers.Load(Configuration(new()
        {
            ["Omni2:Servers:0:Name"] = "everything",
            ["Omni2:Servers:0:Transport"] = "stdio",
            ["Omni2:Servers:0:Command"] = "npx",
            ["Omni2:Servers:0:Args:0"] = "-y",
            ["Omni2:Servers:0:Args:1"] = "@modelcontextprotocol/server-everything@2026.8.31",
            ["Omni2:Servers:0:Args:2"] = "stdio",
        }));

        var config = Assert.Single(configs);
        Assert.Equal("npx", config.Command);
        Assert.Equal(["-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio"], config.Args.ToArray());
        Assert.True(config.Enabled);
        Assert.Equal(Omni2.Contracts.ServerLimits.DefaultCallTimeoutSeconds, config.CallTimeoutSeconds);
    }

    [Theory]
    [InlineData("bad__name", "stdio", "npx", "-y")]
    [InlineData("bash-server", "stdio", "bash", "-c")]
    [InlineData("inline", "stdio", "npx", "-c")]
    [InlineData("no-transport", null, "npx", "-y")]
    public void A_server_the_api_refuses_stops_the_host_with_the_api_field_errors(string name, string? transport, string command, string arg)
    {
        var registration = new ServerRegistration { Name = name, Transport = transport, Command = command, Args = [arg, "x"] };
        Assert.Null(ServerRegistrationValidator.Validate(registration, null, new StdioOptions(), out var apiErrors));

        var error = Assert.Throws<InvalidOperationException>(() => ConfiguredServers.Load(Configuration(new()
        {
            ["Omni2:Servers:0:Name"] = name,
            ["Omni2:Servers:0:Transport"] = transport,
            ["Omni2:Servers:0:Command"] = command,
            ["Omni2:Servers:0:Args:0"] = arg,
            ["Omni2:Servers:0:Args:1"] = "x",
        })));

        Assert.Equal($"Omni2:Servers:0 ('{name}'): {ServerRegistrationValidator.Summary(apiErrors)}.", error.Message);
    }

    [Fact]
    public void The_stdio_allow_list_of_configuration_applies_to_configured_servers()
    {
        var configs = ConfiguredServers.Load(Configuration(new()
        {
            ["Omni2:Stdio:AllowedCommands:3"] = "python3",
            ["Omni2:Servers:0:Name"] = "py",
            ["Omni2:Servers:0:Transport"] = "stdio",
            ["Omni2:Servers:0:Command"] = "python3",
            ["Omni2:Servers:0:Args:0"] = "server.py",
        }));

        Assert.Equal("python3", Assert.Single(configs).Command);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
