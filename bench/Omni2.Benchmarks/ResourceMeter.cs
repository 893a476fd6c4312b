using System.Diagnostics;
using System.Globalization;

namespace Omni2.Benchmarks;

/// <summary>
/// CPU and GC over one load run: this process (the host), its peer (wrk, or the MCP fleet), and the whole machine. Interrupt time
/// (loopback TCP is processed in softirq) is mostly charged to the process it interrupted as well,
/// so it is a part of the others, not an addition.
/// </summary>
public sealed record ResourceUsage(double HostCpuPercent, double MachineCpuPercent, double InterruptCpuPercent, long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Wall)
{
    /// <summary>The other process the measurement runs: wrk, or the MCP fleet.</summary>
    public double PeerCpuPercent { get; init; }

    /// <summary>Neither the host nor its peer: other processes on the machine, which the numbers of that run suffer from.</summary>
    public double OtherCpuPercent => Math.Max(0, MachineCpuPercent - HostCpuPercent - PeerCpuPercent);

    public ResourceUsage WithPeer(TimeSpan cpu) => this with { PeerCpuPercent = 100 * cpu / Wall };
}

/// <summary>
/// Percentages are of one core (200 % is both cores of a 2-core machine), like <c>top</c>.
/// Machine-wide figures come from <c>/proc/stat</c>.
/// </summary>
public sealed class ResourceMeter
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _hostCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly (long Busy, long Interrupts, long Total) _machine = MachineJiffies();
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: false);
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    public ResourceUsage Stop()
    {
        var wall = _wall.Elapsed;
        var hostCpu = Process.GetCurrentProcess().TotalProcessorTime - _hostCpu;
        var machine = MachineJiffies();
        var total = machine.Total - _machine.Total;
        double Percent(long jiffies) => total > 0 ? 100.0 * Environment.ProcessorCount * jiffies / total : 0;
        return new ResourceUsage(
            100 * hostCpu / wall,
            Percent(machine.Busy - _machine.Busy),
            Percent(machine.Interrupts - _machine.Interrupts),
            GC.GetTotalAllocatedBytes(precise: false) - _allocated,
            GC.CollectionCount(0) - _collections[0],
            GC.CollectionCount(1) - _collections[1],
            GC.CollectionCount(2) - _collections[2],
            wall);
    }

    private static (long Busy, long Interrupts, long Total) MachineJiffies()
    {
        // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are the idle part.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], fields[5] + fields[6], total);
    }
}
