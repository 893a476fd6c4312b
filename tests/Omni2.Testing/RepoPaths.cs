using System.Diagnostics;

namespace Omni2.Testing;

/// <summary>Finds the repository and runs its scripts, so tests provision things the way operators do.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni2.Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Omni2.Orleans.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The build output of the project in <paramref name="projectDirectory"/> (relative to the root) in
    /// this assembly's configuration and framework, e.g. src/Omni2.Host/bin/Release/net10.0.
    /// </summary>
    public static string BuildOutput(string projectDirectory, string assembly)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var directory = Path.Combine(Root, projectDirectory, "bin", framework.Parent!.Name, framework.Name);
        return File.Exists(Path.Combine(directory, assembly))
            ? directory
            : throw new InvalidOperationException($"{assembly} is not built at {directory}.");
    }

    /// <summary>Runs a repository script with bash and returns its standard output; throws with its error output on failure.</summary>
    public static Task<string> RunScriptAsync(string relativePath, params string[] args) =>
        RunScriptAsync(relativePath, new Dictionary<string, string>(), args);

    /// <summary>The same, with <paramref name="environment"/> added to this process's environment.</summary>
    public static async Task<string> RunScriptAsync(string relativePath, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(Root, relativePath));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{relativePath} exited with {process.ExitCode}: {await stderr}");
        }
        return (await stdout).Trim();
    }
}
