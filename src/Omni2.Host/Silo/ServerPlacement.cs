using Orleans.Configuration;
using Orleans.Runtime.Placement;

namespace Omni2.Host.Silo;

/// <summary>
/// Where server grains live. Orleans' default (resource-optimized) placement scores silos by load reports up to a
/// second old and prefers the calling silo within a margin, and every new server is first called by the silo whose
/// API registered it or whose registry scanned its row: 300 servers registered through one of three silos ended up
/// 124 / 82 / 94. Activation-count placement picks the
/// less loaded of two silos and counts its own placements between the silos' load reports, so servers registered
/// through any one silo spread evenly. Activations stay where they were placed, so a silo that joins gets servers
/// from the activation rebalancer, which migrates them (deactivated, then activated on the new silo: the grain
/// reconnects there and its persisted status carries over, so no transition is written).
/// </summary>
public static class ServerPlacement
{
    /// <summary><c>false</c> leaves server grains to Orleans' default placement (to compare the two).</summary>
    public const string ActivationCountKey = "Orleans:ServerPlacement:ActivationCount";

    /// <summary><c>false</c> turns the rebalancer off (on by default with PostgreSQL clustering).</summary>
    public const string RebalancingKey = "Orleans:Rebalancing:Enabled";

    public static ISiloBuilder UseOmni2ServerPlacement(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (configuration.GetValue(ActivationCountKey, true))
        {
            silo.Services.AddSingleton<IPlacementStrategyResolver, ServerPlacementResolver>();
        }
        if (configuration.GetValue(RebalancingKey, true))
        {
            silo.Configure<ActivationRebalancerOptions>(o =>
            {
                o.RebalancerDueTime = configuration.GetValue("Orleans:Rebalancing:DueTime", ActivationRebalancerOptions.DEFAULT_REBALANCER_DUE_TIME);
                o.SessionCyclePeriod = configuration.GetValue("Orleans:Rebalancing:CyclePeriod", ActivationRebalancerOptions.DEFAULT_SESSION_CYCLE_PERIOD);
            });
#pragma warning disable ORLEANSEXP002 // Experimental in Orleans 10: the only way activations move to a silo that joins.
            silo.AddActivationRebalancer();
#pragma warning restore ORLEANSEXP002
        }
        return silo;
    }
}
