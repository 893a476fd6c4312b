using Microsoft.Playwright;

namespace Omni2.Testing;

/// <summary>Debian's headless Chromium driven by Playwright, and the dashboard build it is pointed at (the browser tests and the dashboard benchmark).</summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static string ScreenshotDirectory { get; } = Path.Combine(RepoPaths.Root, "artifacts", "screenshots");

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        RequireDashboardBuild();
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (scripts/test.sh does: apt-get install -y chromium).");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = LaunchArgs,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
        return (playwright, browser);
    }

    /// <summary>The host serves the dashboard from its web root; without a build these tests would test nothing.</summary>
    private static void RequireDashboardBuild()
    {
        var index = Path.Combine(RepoPaths.Root, "src", "Omni2.Host", "wwwroot", "index.html");
        if (!File.Exists(index))
        {
            throw new InvalidOperationException(
                $"{index} is missing, so the host serves no dashboard: build it first with 'npm ci && npm run build' in src/Omni2.Host/Dashboard/web (scripts/test.sh does).");
        }
    }
}
