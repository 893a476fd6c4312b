using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Omni2.Host.Http;

/// <summary>RFC 9457 problem details with a precise <c>detail</c>; never a stack trace.</summary>
public static class Problems
{
    public static BadRequestProblem BadRequest(string detail, IDictionary<string, string[]>? errors = null) =>
        new(errors is { Count: > 0 }
            ? TypedResults.Problem(new HttpValidationProblemDetails(errors) { Detail = detail, Title = "Invalid request" })
            : Problem(StatusCodes.Status400BadRequest, "Invalid request", detail));

    public static NotFoundProblem NotFound(string detail) => new(Problem(StatusCodes.Status404NotFound, "Not found", detail));

    public static ForbiddenProblem Forbidden(string detail) => new(Problem(StatusCodes.Status403Forbidden, "Forbidden", detail));

    public static ConflictProblem Conflict(string detail) => new(Problem(StatusCodes.Status409Conflict, "Conflict", detail));

    /// <summary>A problem of any status; an endpoint that may answer it says so in its metadata or its result type.</summary>
    public static ProblemHttpResult Status(int status, string title, string detail) => Problem(status, title, detail);

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
