using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Omni2.Host.Http;

/// <summary>
/// A problem answer (RFC 9457), written exactly as <see cref="ProblemHttpResult"/> writes it, whose type names
/// the statuses it may have: a handler that returns one lists them, as <c>application/problem+json</c>, in the
/// OpenAPI document.
/// </summary>
public abstract class ProblemResult(ProblemHttpResult problem) : IResult, IStatusCodeHttpResult
{
    public ProblemDetails ProblemDetails => Problem.ProblemDetails;

    public int? StatusCode => Problem.StatusCode;

    /// <summary>What is written, for a problem of a wider type to carry (an upstream's 404 is a 404).</summary>
    internal ProblemHttpResult Problem { get; } = problem;

    public Task ExecuteAsync(HttpContext httpContext) => Problem.ExecuteAsync(httpContext);

    /// <summary>Lists <paramref name="statuses"/> among the endpoint's responses, each a problem.</summary>
    public static void Document(EndpointBuilder builder, IEnumerable<int> statuses)
    {
        foreach (var status in statuses)
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
        }
    }
}
