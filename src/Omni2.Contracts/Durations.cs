namespace Omni2.Contracts;

/// <summary>What <see cref="TimeSpan"/> lacks.</summary>
public static class Durations
{
    /// <summary>The longer of two durations: with <see cref="TimeSpan.Zero"/>, a time left that is never negative.</summary>
    public static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
