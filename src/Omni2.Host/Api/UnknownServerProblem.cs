using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>The answer for a server that is not registered: 404, or 400 for a name no server could have.</summary>
public sealed class UnknownServerProblem(ProblemHttpResult problem) : ProblemKind<UnknownServerProblem>(problem), IProblemStatuses
{
    public static UnknownServerProblem Named(string name) =>
        ServerRegistrationValidator.IsValidName(name) ? new(Problems.NotFound($"There is no MCP server '{name}'.").Problem) : InvalidName(name);

    public static UnknownServerProblem InvalidName(string name) => new(Problems.BadRequest(
        $"'{(name.Length > 80 ? name[..80] + "..." : name)}' is not a valid server name: it must match {ServerRegistrationValidator.NamePattern}.").Problem);

    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound];
}
