namespace Omni2.Benchmarks;

/// <summary>One silo of a <see cref="ScaleOutSample"/>: the servers it owns and what it cost over the window.</summary>
public sealed record SiloSample(int Owned, double CpuPercent, long Rss, long PeakRss, double ChecksPerSecond, double LagP50, double LagP99);

/// <summary>One cluster at one fleet size, measured over whole check intervals.</summary>
public sealed record ScaleOutSample(
    int Silos,
    int Servers,
    int Added,
    TimeSpan Registered,
    TimeSpan Healthy,
    IReadOnlyList<SiloSample> PerSilo,
    int Unowned,
    double ChecksPerSecond,
    double FailedChecks,
    double LagP50,
    double LagP99,
    double Transitions,
    double RowsWrittenPerSecond,
    double CommitsPerSecond,
    double FleetCpuPercent)
{
    public double EvenShare => (double)Servers / Silos;

    /// <summary>The largest deviation of a silo's share from an even one, in percent of the even share.</summary>
    public double SpreadPercent => PerSilo.Max(s => Math.Abs(s.Owned - EvenShare)) / EvenShare * 100;

    /// <summary>Broken, not slow: servers whose silo is unknown, or fewer than half the scheduled checks.</summary>
    public string? Broken(int intervalSeconds) =>
        Unowned > 0 ? $"{Unowned} servers named no silo of the cluster"
        : ChecksPerSecond < 0.5 * Servers / intervalSeconds ? $"only {ChecksPerSecond:0.0} checks/s for {Servers} servers every {intervalSeconds} s"
        : null;
}
