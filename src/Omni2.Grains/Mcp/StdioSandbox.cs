using System.Runtime.InteropServices;

namespace Omni2.Grains.Mcp;

/// <summary>
/// What keeps a stdio server, which runs as the silo's own user, out of the silo (Linux; elsewhere nothing).
/// The silo is not dumpable, so a process without <c>CAP_SYS_PTRACE</c> can neither read its
/// <c>/proc/&lt;pid&gt;/environ</c> (the signing key, the database password), memory or file descriptors,
/// nor ptrace it; and a stdio server never holds a capability: a silo that runs as root or with
/// capabilities starts it through <c>setpriv</c> with every capability dropped.
/// </summary>
public static class StdioSandbox
{
    private const int PrSetDumpable = 4;
    private const int PrGetDumpable = 3;

    private static readonly Lazy<bool> ChildWouldHoldCapabilities = new(ReadChildWouldHoldCapabilities);

    /// <summary>
    /// Makes this process non-dumpable, before any stdio server starts. A stdio server's own
    /// <c>execve</c> makes it dumpable again: only the silo is closed. Throws if the kernel refuses.
    /// </summary>
    public static void ProtectSilo()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        if (prctl(PrSetDumpable, 0, 0, 0, 0) != 0 || prctl(PrGetDumpable, 0, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException(
                $"prctl(PR_SET_DUMPABLE, 0) failed (errno {Marshal.GetLastPInvokeError()}): stdio servers could read the silo's environment.");
        }
    }

    /// <summary>
    /// The command line that starts a stdio server: its own, or, when the silo holds capabilities that
    /// the server would inherit, <c>setpriv</c> dropping them all and then running it (the same process).
    /// </summary>
    public static (string Command, IReadOnlyList<string> Args) Launch(string command, IReadOnlyList<string> args)
    {
        if (!OperatingSystem.IsLinux() || !ChildWouldHoldCapabilities.Value)
        {
            return (command, args);
        }
        var setpriv = FindOnPath("setpriv") ?? throw new InvalidOperationException(
            "the silo runs as root or with capabilities, which a stdio server would inherit, and setpriv (util-linux) is not installed to drop them: "
            + "run the silo as an unprivileged user, as the image does, or install util-linux");
        return (setpriv, ["--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--", command, .. args]);
    }

    /// <summary>
    /// Whether a child would hold a capability: one this process holds or passes on (permitted,
    /// effective, inheritable, ambient), or, for root, any that its bounding set still allows at <c>execve</c>.
    /// </summary>
    private static bool ReadChildWouldHoldCapabilities()
    {
        var status = File.ReadLines("/proc/self/status")
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].Trim());
        ulong Mask(string name) => Convert.ToUInt64(status[name], 16);
        var root = status["Uid"].Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0";
        return (Mask("CapPrm") | Mask("CapEff") | Mask("CapInh") | Mask("CapAmb")) != 0 || (root && Mask("CapBnd") != 0);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
