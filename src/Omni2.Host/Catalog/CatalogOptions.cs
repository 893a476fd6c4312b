namespace Omni2.Host.Catalog;

/// <summary>Section <c>Omni2:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Omni2:Catalog";

    /// <summary>How often the catalog is rebuilt from the database, healing any missed feed message.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}
