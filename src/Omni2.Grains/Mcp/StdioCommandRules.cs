using System.Collections.Frozen;

namespace Omni2.Grains.Mcp;

/// <summary>A refused part of a stdio server's command line: its field (<c>args[1]</c>, <c>env.NODE_OPTIONS</c>) and why.</summary>
public readonly record struct StdioRefusal(string Field, string Reason);

/// <summary>
/// What a stdio server's command line may not do, for registration, configuration and launch alike:
/// run inline code or preload code through an interpreter's own options (<c>node -e</c>, <c>npx -c</c>,
/// <c>sh -c</c>, <c>python -c</c>), open node's debugger, or set environment that makes a program load
/// code or pick other programs (<c>NODE_OPTIONS</c>, <c>LD_*</c>, <c>PATH</c>, ...). An interpreter's own
/// options are those before its script or package; what follows belongs to the server. A launcher's
/// program (<c>npx node ...</c>, <c>uvx python ...</c>) is checked by that program's rules.
/// </summary>
public static class StdioCommandRules
{
    private const string InlineCode = "runs inline code";
    private const string Preload = "preloads code";

    private static readonly Interpreter Node = new(
        "node",
        Refused: new Dictionary<string, string>
        {
            ["-e"] = InlineCode, ["--eval"] = InlineCode, ["-p"] = InlineCode, ["--print"] = InlineCode,
            ["-r"] = Preload, ["--require"] = Preload, ["--import"] = Preload,
            ["--loader"] = Preload, ["--experimental-loader"] = Preload,
            ["--env-file"] = "loads environment from a file, NODE_OPTIONS included",
            ["--env-file-if-exists"] = "loads environment from a file, NODE_OPTIONS included",
            ["--inspect"] = "opens a debugger port that runs any code sent to it",
            ["--inspect-brk"] = "opens a debugger port that runs any code sent to it",
            ["--inspect-wait"] = "opens a debugger port that runs any code sent to it",
            ["--inspect-port"] = "opens a debugger port that runs any code sent to it",
        },
        Flags: ["--no-warnings", "--no-deprecation", "--enable-source-maps", "--trace-warnings", "--trace-deprecation",
            "--trace-uncaught", "--expose-gc", "--preserve-symlinks", "--preserve-symlinks-main", "--experimental-vm-modules",
            "--experimental-strip-types", "--abort-on-uncaught-exception", "--pending-deprecation", "--throw-deprecation"],
        FlagLetters: "chiv",
        ValueLetters: "C");

    private static readonly Interpreter Npx = new(
        "npx",
        Refused: new Dictionary<string, string>
        {
            ["-c"] = "runs a shell command", ["--call"] = "runs a shell command",
            ["--node-options"] = "sets NODE_OPTIONS for the program it runs",
        },
        Flags: ["--yes", "--no", "--quiet", "--silent", "--prefer-offline", "--prefer-online", "--offline"],
        FlagLetters: "yqs",
        ValueLetters: "pw",
        Launches: true);

    private static readonly Interpreter Uvx = new(
        "uvx",
        Refused: new Dictionary<string, string>(),
        Flags: ["--quiet", "--verbose", "--no-cache", "--isolated", "--offline", "--refresh", "--no-config",
            "--native-tls", "--no-progress", "--preview"],
        FlagLetters: "qvn",
        ValueLetters: "pw",
        Launches: true);

    private static readonly Interpreter Python = new(
        "python",
        Refused: new Dictionary<string, string> { ["-c"] = InlineCode },
        Flags: [],
        FlagLetters: "bBdEhiIOPqRsSuvVx",
        ValueLetters: "cmWX",
        // python -m module: the module's arguments follow.
        EndsWith: 'm');

    private static readonly Interpreter Shell = new(
        "shell",
        Refused: new Dictionary<string, string> { ["-c"] = InlineCode },
        Flags: ["--norc", "--noprofile", "--posix", "--login", "--noediting", "--restricted", "--verbose"],
        FlagLetters: "abefhiklmnprstuvxBCEHPT",
        ValueLetters: "oO",
        // sh +x: options may also start with '+'.
        PlusOptions: true);

    private static readonly FrozenDictionary<string, Interpreter> ByProgram = new Dictionary<string, Interpreter>
    {
        ["node"] = Node, ["nodejs"] = Node, ["npx"] = Npx, ["uvx"] = Uvx,
        ["python"] = Python, ["python3"] = Python,
        ["sh"] = Shell, ["bash"] = Shell, ["dash"] = Shell, ["ash"] = Shell, ["ksh"] = Shell, ["zsh"] = Shell,
    }.ToFrozenDictionary();

    /// <summary>Environment names refused for every stdio server, and why (a name ending in '_' is a prefix).</summary>
    private static readonly (string Name, string Reason)[] RefusedEnvironment =
    [
        ("NODE_OPTIONS", "gives every node it starts options such as --require, which load code"),
        ("NODE_PATH", "chooses where node finds the modules it loads"),
        ("LD_", "makes the dynamic loader load code or pick other libraries"),
        ("DYLD_", "makes the dynamic loader load code or pick other libraries"),
        ("PYTHONSTARTUP", "makes python run a file first"),
        ("PYTHONPATH", "chooses where python finds the modules it loads"),
        ("PYTHONHOME", "chooses where python finds the modules it loads"),
        ("BASH_ENV", "makes bash run a file first"),
        ("ENV", "makes sh run a file first"),
        ("PATH", "chooses which programs run"),
        ("NPM_CONFIG_NODE_OPTIONS", "sets NODE_OPTIONS for what npx runs"),
        ("NPM_CONFIG_CALL", "makes npx run a shell command"),
    ];

    /// <summary>Every refusal for this command line and environment; none means it may run.</summary>
    public static IReadOnlyList<StdioRefusal> Check(string command, IReadOnlyList<string> args, IEnumerable<string> environmentNames)
    {
        var refusals = new List<StdioRefusal>();
        CheckArguments(Find(Path.GetFileName(command)), args, 0, refusals);
        foreach (var name in environmentNames)
        {
            var upper = name.ToUpperInvariant();
            foreach (var (refused, reason) in RefusedEnvironment)
            {
                if (refused.EndsWith('_') ? upper.StartsWith(refused, StringComparison.Ordinal) : upper == refused)
                {
                    refusals.Add(new($"env.{name}", $"'{name}' {reason}; refused for stdio servers"));
                    break;
                }
            }
        }
        return refusals;
    }

    /// <summary>One line for a log or an exception: every refusal, field first.</summary>
    public static string Describe(IEnumerable<StdioRefusal> refusals) => string.Join("; ", refusals.Select(r => $"{r.Field} {r.Reason}"));

    private static void CheckArguments(Interpreter? interpreter, IReadOnlyList<string> args, int from, List<StdioRefusal> refusals)
    {
        if (interpreter is null)
        {
            return;
        }
        var pending = Pending.Nothing;
        for (var i = from; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                Program(i + 1);
                return;
            }
            if (!interpreter.IsOption(arg))
            {
                switch (pending)
                {
                    case Pending.Value:
                        pending = Pending.Nothing;
                        continue;
                    case Pending.LastValue:
                        return;
                    default:
                        Program(i);
                        return;
                }
            }
            var read = interpreter.Read(arg);
            if (read.Refused is { } refused)
            {
                refusals.Add(new($"args[{i}]", $"'{refused.Option}' {refused.Reason} ({interpreter.Name}); refused for stdio servers"));
                pending = Pending.Value; // its code or module, if not attached: the scan goes on past it
                continue;
            }
            if (read.Ends && !read.MayTakeValue)
            {
                return; // python -mjson.tool: the rest is the module's
            }
            pending = !read.MayTakeValue ? Pending.Nothing : read.Ends ? Pending.LastValue : Pending.Value;
        }

        // The first argument that is no option and no option's value: the script (nothing more to check)
        // or, for a launcher, the program it runs, whose own options come next.
        void Program(int index)
        {
            if (interpreter.Launches && index < args.Count)
            {
                CheckArguments(Find(ToolName(args[index])), args, index + 1, refusals);
            }
        }
    }

    /// <summary>What the previous option leaves for the next argument that is no option.</summary>
    private enum Pending
    {
        Nothing,

        /// <summary>It may be that option's value.</summary>
        Value,

        /// <summary>It is that option's value, and the rest belongs to the program (python -m module).</summary>
        LastValue,
    }

    /// <summary>The rules for a program by its name (<c>/usr/bin/node</c> is node, <c>python3.12</c> python).</summary>
    private static Interpreter? Find(string name)
    {
        if (name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^4];
        }
        if (name.StartsWith("python", StringComparison.Ordinal) && name[6..].All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            name = "python";
        }
        return ByProgram.GetValueOrDefault(name);
    }

    /// <summary>A launcher's package spec without its version: <c>@scope/name@1.2</c>, <c>node@20</c>, <c>tool==1.0</c>.</summary>
    private static string ToolName(string spec)
    {
        var end = spec.IndexOfAny(['@', '=', '<', '>', '[', '~'], spec.StartsWith('@') ? 1 : 0);
        return end < 0 ? spec : spec[..end];
    }

    /// <param name="Refused">Options refused, by name, with the reason.</param>
    /// <param name="Flags">Long options known to take no value, so that the next argument may be the script.</param>
    /// <param name="FlagLetters">Short options known to take no value.</param>
    /// <param name="ValueLetters">Short options that take the rest of their cluster, or else the next argument, as their value.</param>
    /// <param name="EndsWith">A short option after whose value the rest belongs to the program.</param>
    /// <param name="Launches">Whether its first argument that is no option is a program to check in turn (npx, uvx).</param>
    /// <param name="PlusOptions">Whether options may also start with '+' (shells).</param>
    private sealed record Interpreter(
        string Name,
        Dictionary<string, string> Refused,
        string[] Flags,
        string FlagLetters,
        string ValueLetters,
        char EndsWith = '\0',
        bool Launches = false,
        bool PlusOptions = false)
    {
        public bool IsOption(string arg) => arg.Length > 1 && (arg[0] == '-' || (PlusOptions && arg[0] == '+'));

        /// <summary>
        /// Reads one option. An option not known to take no value may take the next argument, which is then
        /// not taken for the script: a wrong guess refuses more, never less.
        /// </summary>
        public (bool MayTakeValue, bool Ends, (string Option, string Reason)? Refused) Read(string arg)
        {
            var name = arg.Split('=', 2)[0];
            if (Refused.TryGetValue(name, out var reason))
            {
                return (false, false, (name, reason));
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                return (!arg.Contains('=') && !Flags.Contains(arg), false, null);
            }
            // A cluster of short options: -pe, -ec, +x, -Wdefault (W's value is "default").
            for (var i = 1; i < arg.Length; i++)
            {
                var letter = arg[i];
                if (Refused.TryGetValue($"-{letter}", out reason))
                {
                    return (false, false, (arg.Length <= 16 ? arg : $"-{letter}", reason));
                }
                if (ValueLetters.Contains(letter))
                {
                    return (i == arg.Length - 1, letter == EndsWith, null);
                }
                if (!FlagLetters.Contains(letter))
                {
                    return (true, false, null);
                }
            }
            return (false, false, null);
        }
    }
}
