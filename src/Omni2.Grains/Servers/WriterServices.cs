using Omni2.Grains.Feed;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Servers;

/// <summary>The silo's services every <see cref="ServerStatusWriter"/> writes through.</summary>
public sealed record WriterServices(
    IStatusProjection Projection,
    StatusPublisher Publisher,
    CheckRecorder Checks,
    FeedHistory History,
    IGrainFactory Grains,
    Omni2Metrics Metrics,
    TimeProvider Time);
