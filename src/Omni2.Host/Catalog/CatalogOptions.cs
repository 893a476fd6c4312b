namespace Omni2.Host.Catalog;

/// <summary>Section <c>Omni2:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Omni2:Catalog";

    /// <summary>How often the catalog reads the rows changed since its last read, healing any missed feed message.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the resync reads every row instead (default 10 minutes): it also moves every server's last
    /// check, which a read of changes leaves to the feed's checks, and heals what a change read cannot see.
    /// </summary>
    public TimeSpan FullResyncInterval { get; set; } = TimeSpan.FromMinutes(10);
}
