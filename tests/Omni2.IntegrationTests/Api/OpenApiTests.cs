using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;

namespace Omni2.IntegrationTests.Api;

/// <summary>
/// The OpenAPI document a running host serves describes every response of every operation: what a
/// client gets on success, with its schema, and each way it can fail, as problem details.
/// </summary>
[Collection("api")]
public sealed class OpenApiTests(ApiFixture fixture)
{
    private const string ProblemJson = "application/problem+json";

    /// <summary>Answers whose body is nothing by design: a 204, a 304, ForwardAuth's 200 (its answer is its headers).</summary>
    private static readonly HashSet<string> BodilessSuccesses = ["204", "304", "VerifyToken 200"];

    /// <summary>Operations with no input and no token, whose fixed answer cannot fail.</summary>
    private static readonly HashSet<string> Infallible = ["GetDashboardSettings"];

    [Fact]
    public async Task Every_operation_documents_its_success_with_a_schema()
    {
        var operations = await OperationsAsync();

        Assert.NotEmpty(operations);
        Assert.All(operations, op =>
        {
            var successes = op.Responses.Where(r => r.Status.StartsWith('2')).ToList();
            Assert.True(successes.Count > 0, $"{op.Id} documents no success");
            foreach (var success in successes.Where(r => !BodilessSuccesses.Contains(r.Status) && !BodilessSuccesses.Contains($"{op.Id} {r.Status}")))
            {
                Assert.True(success.Schemas.ContainsKey("application/json"), $"{op.Id} {success.Status} has no application/json content");
                Assert.True(success.Schemas["application/json"], $"{op.Id} {success.Status} has no schema");
            }
        });
    }

    [Fact]
    public async Task Every_operation_that_can_fail_documents_its_failures_as_problem_details()
    {
        var operations = await OperationsAsync();

        Assert.All(operations.Where(op => !Infallible.Contains(op.Id)), op =>
        {
            var failures = op.Responses.Where(r => r.Status[0] is '4' or '5').ToList();
            Assert.True(failures.Count > 0, $"{op.Id} documents no failure");
            foreach (var failure in failures)
            {
                Assert.True(failure.Schemas.TryGetValue(ProblemJson, out var schema) && schema, $"{op.Id} {failure.Status} is not documented as a problem with a schema");
            }
        });
    }

    [Fact]
    public async Task A_tool_call_documents_each_way_it_can_fail()
    {
        var call = (await OperationsAsync()).Single(op => op.Id == "CallTool");

        Assert.Subset(call.Responses.Select(r => r.Status).ToHashSet(), new HashSet<string> { "400", "401", "403", "404", "409", "413", "415", "429", "502", "503", "504" });
    }

    private async Task<List<Operation>> OperationsAsync()
    {
        using var anonymous = fixture.A.ClientAs(null);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var operations = new List<Operation>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                var id = method.Value.TryGetProperty("operationId", out var named) ? named.GetString()! : $"{method.Name} {path.Name}";
                var responses = method.Value.GetProperty("responses").EnumerateObject().Select(r => new Response(
                    r.Name,
                    r.Value.TryGetProperty("content", out var content)
                        ? content.EnumerateObject().ToDictionary(c => c.Name, c => c.Value.TryGetProperty("schema", out _))
                        : [])).ToList();
                operations.Add(new Operation(id, responses));
            }
        }
        return operations;
    }

    private sealed record Operation(string Id, List<Response> Responses);

    /// <summary>A documented response: its status and, per content type, whether it names a schema.</summary>
    private sealed record Response(string Status, Dictionary<string, bool> Schemas);
}
