namespace Omni2.Host.Auth;

/// <summary>
/// <c>Omni2.Host token [--user NAME] [--role viewer|operator|admin] [--minutes N]</c>: prints a token
/// signed with the configured key (in the embedded default, the machine's generated dev key).
/// </summary>
public static class TokenCommand
{
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
        if (!int.TryParse(Option("--minutes", "60"), out var minutes) || minutes is < 1 or > 60 * 24 * 30)
        {
            Console.Error.WriteLine("--minutes must be a whole number from 1 to 43200.");
            return 2;
        }
        builder.AddOmni2Auth();
        using var services = builder.Services.BuildServiceProvider();
        Console.WriteLine(services.GetRequiredService<TokenIssuer>().Issue(Option("--user", "dev"), role, TimeSpan.FromMinutes(minutes)));
        return 0;
    }
}
