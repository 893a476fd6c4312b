namespace Omni2.Host.Auth;

/// <summary>
/// <c>Omni2.Host token [--user NAME] [--role viewer|operator|admin] [--minutes N]</c>: prints a token
/// signed with the configured key (in the embedded default, the machine's generated dev key), valid for
/// <c>--minutes</c> (default 8 h, at most <c>Auth:MaxTokenLifetime</c>), and on stderr its <c>jti</c>, by which
/// an admin can revoke it.
/// </summary>
public static class TokenCommand
{
    private const int DefaultMinutes = 8 * 60;

    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "token";

    public static int Run(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args.Skip(1).Where(a => !a.StartsWith("--user") && !a.StartsWith("--role") && !a.StartsWith("--minutes")).ToArray());
        string Option(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }
        var role = Option("--role", Roles.Admin);
        if (!Roles.IsKnown(role))
        {
            Console.Error.WriteLine($"Unknown role '{role}': use one of {string.Join(", ", Roles.All)}.");
            return 2;
        }
        builder.AddOmni2Auth();
        using var services = builder.Services.BuildServiceProvider();
        var issuer = services.GetRequiredService<TokenIssuer>();
        var most = (int)issuer.MaxLifetime.TotalMinutes;
        var byDefault = Math.Min(DefaultMinutes, most);
        if (!int.TryParse(Option("--minutes", byDefault.ToString()), out var minutes) || minutes < 1 || minutes > most)
        {
            Console.Error.WriteLine($"--minutes must be a whole number from 1 to {most} (Auth:MaxTokenLifetime).");
            return 2;
        }
        Console.WriteLine(issuer.Issue(Option("--user", "dev"), role, TimeSpan.FromMinutes(minutes), out var jti));
        Console.Error.WriteLine($"jti: {jti}");
        return 0;
    }
}
