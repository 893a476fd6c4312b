using Omni2.Host.Catalog;
using Omni2.Host.Registration;

namespace Omni2.Host.McpGateway;

/// <summary>
/// The gateway's resource URIs: <c>omni2://{server}/{the server's URI, percent-encoded}</c>. A server's URIs
/// may have any scheme and any characters ("__" included), so a prefix like a tool's <c>server__</c> could not
/// be split back, and would not be a URI; here the server is the authority (server names are valid URI
/// host names) and the original URI is one encoded path segment, so every gateway URI maps back to exactly
/// one server and one original URI. A template keeps its <c>{expressions}</c> and encodes the rest; the
/// values a client expands into it are percent-encoded by RFC 6570, and decode back with the rest.
/// </summary>
public static class ResourceUris
{
    public const string Scheme = "omni2";
    private const string Prefix = Scheme + "://";

    public static string Wrap(string server, string uri) => $"{Prefix}{server}/{Uri.EscapeDataString(uri)}";

    /// <summary>A URI template's gateway form: its literal text encoded, its expressions (<c>{id}</c>) as they are.</summary>
    public static string WrapTemplate(string server, string template)
    {
        var wrapped = new System.Text.StringBuilder(Prefix).Append(server).Append('/');
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf('{', at);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (close < 0)
            {
                wrapped.Append(Uri.EscapeDataString(template[at..]));
                break;
            }
            wrapped.Append(Uri.EscapeDataString(template[at..open])).Append(template, open, close - open + 1);
            at = close + 1;
        }
        return wrapped.ToString();
    }

    /// <summary>The server and original URI of a gateway URI; false for anything else.</summary>
    public static bool TryUnwrap(string? uri, out string server, out string original)
    {
        server = original = "";
        if (uri is null || !uri.StartsWith(Prefix, StringComparison.Ordinal) || uri.IndexOf('/', Prefix.Length) is not (var slash and > 0))
        {
            return false;
        }
        server = uri[Prefix.Length..slash];
        original = Uri.UnescapeDataString(uri[(slash + 1)..]);
        return ServerRegistrationValidator.IsValidName(server) && original.Length > 0;
    }
}
