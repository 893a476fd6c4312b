using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Omni2.Contracts;

/// <summary>
/// The one rule for what of a server's <c>url</c> and <c>args</c> a view or a log may show. A value
/// is replaced by <see cref="Redacted"/> when its name looks like a credential, that is contains (any
/// letter case) one of <see cref="CredentialWords"/>:
/// <list type="bullet">
/// <item>a URL's query parameter (<c>?api_key=…</c>, <c>&amp;access_token=…</c>) and a URL's password (<c>https://user:…@host</c>);</item>
/// <item>an argument <c>--name=value</c>, <c>-name=value</c> or <c>NAME=value</c>, and the argument after a
/// bare <c>--name</c> (<c>--token abc</c>); an argument that is itself a URL, by the URL rule.</item>
/// </list>
/// The stored value is used as written and never read back: a value that does not name itself (a bare
/// <c>sk-…</c> argument) is not recognized, so keep secrets in <c>env</c> and <c>headers</c>, which are always redacted.
/// </summary>
public static partial class CredentialRedaction
{
    public const string Redacted = "***";

    public static readonly ImmutableArray<string> CredentialWords =
        ["token", "key", "secret", "password", "passwd", "pwd", "auth", "credential", "signature", "session", "cookie"];

    public static bool LooksLikeCredential(string name) =>
        CredentialWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>The URL with credential-looking query values and its password redacted; everything else verbatim.</summary>
    public static string? Url(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return url;
        }
        var redacted = UserInfoPassword().Replace(url, "${prefix}" + Redacted + "@");
        var query = redacted.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return redacted;
        }
        var fragment = redacted.IndexOf('#', query);
        var end = fragment < 0 ? redacted.Length : fragment;
        var parameters = redacted[(query + 1)..end].Split('&').Select(parameter =>
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            return equals > 0 && LooksLikeCredential(Uri.UnescapeDataString(parameter[..equals])) ? parameter[..(equals + 1)] + Redacted : parameter;
        });
        return redacted[..(query + 1)] + string.Join('&', parameters) + redacted[end..];
    }

    /// <summary>The arguments with credential-looking values redacted, one for one.</summary>
    public static ImmutableArray<string> Args(ImmutableArray<string> args)
    {
        var result = ImmutableArray.CreateBuilder<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (Uri.TryCreate(arg, UriKind.Absolute, out var uri) && uri.Scheme.Length > 1 && arg.Contains("://", StringComparison.Ordinal))
            {
                result.Add(Url(arg)!);
            }
            else if (equals > 0 && LooksLikeCredential(arg[..equals]))
            {
                result.Add(arg[..(equals + 1)] + Redacted);
            }
            else if (equals < 0 && arg.StartsWith('-') && LooksLikeCredential(arg) && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
            {
                result.Add(arg);
                result.Add(Redacted);
                i++;
            }
            else
            {
                result.Add(arg);
            }
        }
        return result.MoveToImmutable();
    }

    [GeneratedRegex("(?<prefix>://[^/?#@:]*:)[^/?#@]*@")]
    private static partial Regex UserInfoPassword();
}
