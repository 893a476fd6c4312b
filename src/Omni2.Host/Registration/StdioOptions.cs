namespace Omni2.Host.Registration;

/// <summary>Section <c>Omni2:Stdio</c>: stdio servers run commands on the silo, so only these may be registered.</summary>
public sealed class StdioOptions
{
    public const string Section = "Omni2:Stdio";

    public List<string> AllowedCommands { get; set; } = ["npx", "node", "uvx"];
}
