namespace Omni2.Host.Http;

/// <summary>The statuses a kind of problem may have.</summary>
public interface IProblemStatuses
{
    static abstract IReadOnlyList<int> Statuses { get; }
}
