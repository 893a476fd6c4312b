namespace Omni2.Host.Catalog;

/// <summary>
/// How the gateway names a server's tool or prompt: <c>server__name</c>. A server's name never holds
/// "__" nor ends in '_' (<see cref="Registration.ServerRegistrationValidator.NamePattern"/>), so a
/// qualified name splits back in exactly one way.
/// </summary>
public static class QualifiedNames
{
    public const string Separator = "__";

    public static string Of(string server, string name) => server + Separator + name;

    /// <summary>A qualified name's server and name; no server when it does not split.</summary>
    public static (string? Server, string Name) Split(string qualifiedName)
    {
        var separator = qualifiedName.IndexOf(Separator, StringComparison.Ordinal);
        return separator > 0 ? (qualifiedName[..separator], qualifiedName[(separator + Separator.Length)..]) : (null, qualifiedName);
    }
}
