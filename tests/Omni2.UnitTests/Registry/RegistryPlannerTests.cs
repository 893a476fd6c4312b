using Omni2.Contracts;
using Omni2.Grains.Registry;

namespace Omni2.UnitTests.Registry;

public sealed class RegistryPlannerTests
{
    private static McpServerConfig Row(string name, bool enabled = true, string url = "http://127.0.0.1:1/mcp") =>
        new() { Name = name, Url = url, Enabled = enabled };

    private static KnownServer Known(McpServerConfig row) => new(row.Fingerprint(), row.Enabled);

    [Fact]
    public void A_new_enabled_row_is_added_and_configured()
    {
        var step = RegistryPlanner.Plan("a", Row("a"), null, wake: false);

        Assert.Equal((RegistryCall.Apply, RegistryChange.Added), (step.Call, step.Change));
        Assert.Equal(Known(Row("a")), step.Next);
    }

    [Fact]
    public void A_new_disabled_row_is_remembered_without_a_grain_call()
    {
        var step = RegistryPlanner.Plan("a", Row("a", enabled: false), null, wake: true);

        Assert.Equal((RegistryCall.None, RegistryChange.Unchanged), (step.Call, step.Change));
        Assert.False(step.Next!.Enabled);
    }

    [Fact]
    public void A_changed_row_is_reconfigured()
    {
        var step = RegistryPlanner.Plan("a", Row("a", url: "http://127.0.0.1:2/mcp"), Known(Row("a")), wake: false);

        Assert.Equal((RegistryCall.Apply, RegistryChange.Changed), (step.Call, step.Change));
    }

    [Fact]
    public void A_disabled_row_retires_its_server_and_an_enabled_again_row_configures_and_enables_it()
    {
        var disabled = RegistryPlanner.Plan("a", Row("a", enabled: false), Known(Row("a")), wake: false);
        var enabled = RegistryPlanner.Plan("a", Row("a"), Known(Row("a", enabled: false)), wake: false);

        Assert.Equal((RegistryCall.RetireDisabled, RegistryChange.Retired), (disabled.Call, disabled.Change));
        Assert.Equal((RegistryCall.ApplyAndEnable, RegistryChange.Changed), (enabled.Call, enabled.Change));
    }

    [Fact]
    public void A_deleted_row_retires_its_server_and_is_forgotten_and_an_unknown_name_does_nothing()
    {
        var deleted = RegistryPlanner.Plan("a", null, Known(Row("a")), wake: false);
        var unknown = RegistryPlanner.Plan("b", null, null, wake: false);

        Assert.Equal((RegistryCall.RetireDeleted, RegistryChange.Retired, (KnownServer?)null), (deleted.Call, deleted.Change, deleted.Next));
        Assert.Equal((RegistryCall.None, RegistryChange.Unknown), (unknown.Call, unknown.Change));
    }

    [Fact]
    public void An_unchanged_row_needs_no_call_except_on_the_first_scan_which_wakes_enabled_servers()
    {
        Assert.Equal(RegistryCall.None, RegistryPlanner.Plan("a", Row("a"), Known(Row("a")), wake: false).Call);
        var woken = RegistryPlanner.Plan("a", Row("a"), Known(Row("a")), wake: true);
        Assert.Equal((RegistryCall.Apply, RegistryChange.Unchanged), (woken.Call, woken.Change));
        Assert.Equal(RegistryCall.None, RegistryPlanner.Plan("d", Row("d", enabled: false), Known(Row("d", enabled: false)), wake: true).Call);
    }

    [Fact]
    public void A_scan_counts_every_server_and_knows_only_the_rows_afterwards()
    {
        var known = new Dictionary<string, KnownServer>
        {
            ["same"] = Known(Row("same")),
            ["moved"] = Known(Row("moved")),
            ["gone"] = Known(Row("gone")),
        };

        var plan = RegistryPlanner.Scan([Row("same"), Row("moved", url: "http://127.0.0.1:9/mcp"), Row("new")], known, wake: false);

        Assert.Equal(new RegistryScanResult(Added: 1, Changed: 1, Retired: 1, Unchanged: 1), plan.Result);
        Assert.Equal(1, RegistryPlanner.Scan([Row("same")], known, wake: true).Result.Woken);
        Assert.Equal(["moved", "new", "same"], plan.Next.Keys.Order());
        Assert.Equal(["gone", "moved", "new"], plan.Steps.Where(s => s.Call is not RegistryCall.None).Select(s => s.Name).Order());
    }
}
