using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Omni2.Host.Auth;

/// <summary>Finds the HS256 key: configured, or (embedded default only) generated once per machine.</summary>
public static class SigningKeys
{
    private const int MinimumBytes = 32;

    /// <summary>
    /// Keys Omni2 once published as examples (k8s/secret.yaml, .env.example): anyone can sign an admin
    /// token with them, so they are refused wherever Omni2 serves more than its own machine.
    /// </summary>
    public static readonly FrozenSet<string> DemoKeys = FrozenSet.Create(StringComparer.Ordinal,
        "local-only-signing-key-change-me-0123456789abcdef");

    public static SymmetricSecurityKey? Resolve(AuthOptions options, bool embedded)
    {
        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            if (!embedded && DemoKeys.Contains(options.SigningKey.Trim()))
            {
                throw new InvalidOperationException(
                    "Auth:SigningKey is a demo key published with Omni2, with which anyone can sign tokens; it is accepted only in the embedded default. " +
                    "Generate a key of your own, e.g. with 'openssl rand -base64 48'.");
            }
            var bytes = Encoding.UTF8.GetBytes(options.SigningKey);
            return bytes.Length >= MinimumBytes
                ? new SymmetricSecurityKey(bytes)
                : throw new InvalidOperationException($"Auth:SigningKey must be at least {MinimumBytes} bytes.");
        }
        if (!string.IsNullOrEmpty(options.Authority))
        {
            return null;
        }
        if (!embedded)
        {
            throw new InvalidOperationException("Auth:SigningKey or Auth:Authority must be configured when Omni2 runs on PostgreSQL.");
        }
        return new SymmetricSecurityKey(DevKey(options.DevKeyFile));
    }

    private static byte[] DevKey(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var file = new FileStream(path, create);
            file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))));
        }
        return Encoding.ASCII.GetBytes(File.ReadAllText(path).Trim());
    }
}
