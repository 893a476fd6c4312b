using Omni2.Contracts;
using Omni2.Host.Registration;

namespace Omni2.Host.Silo;

/// <summary>
/// The servers given in configuration (<c>Omni2:Servers</c>), for the embedded default without PostgreSQL.
/// Each is a registration checked by the API's own validator, so a server the API would refuse stops
/// the host, with the field errors the API would have answered.
/// </summary>
public static class ConfiguredServers
{
    public const string Section = "Omni2:Servers";

    public static IReadOnlyList<McpServerConfig> Load(IConfiguration configuration)
    {
        var stdio = configuration.GetSection(StdioOptions.Section).Get<StdioOptions>() ?? new StdioOptions();
        var servers = configuration.GetSection(Section).Get<List<ServerRegistration>>() ?? [];
        return [.. servers.Select((server, index) => ServerRegistrationValidator.Validate(server, null, stdio, out var errors)
            ?? throw new InvalidOperationException($"{Section}:{index} ('{server.Name}'): {ServerRegistrationValidator.Summary(errors)}."))];
    }
}
