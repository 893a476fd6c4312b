using System.Globalization;

namespace Omni2.Testing;

/// <summary>
/// The TCP ports a process listens on, as Linux reports them: the sockets among its open file
/// descriptors (<c>/proc/PID/fd</c>) that its network namespace lists in the LISTEN state
/// (<c>/proc/PID/net/tcp</c> and <c>tcp6</c>).
/// </summary>
public static class ListeningPorts
{
    private const string ListenState = "0A";

    /// <summary>The ports, in ascending order.</summary>
    public static IReadOnlyList<int> Of(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
            catch (IOException)
            {
                // A descriptor closed while we looked.
            }
        }
        var ports = new SortedSet<int>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/net/{table}").Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == ListenState && inodes.Contains(fields[9]))
                {
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }
        return [.. ports];
    }
}
