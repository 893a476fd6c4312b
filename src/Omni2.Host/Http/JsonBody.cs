using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Omni2.Host.Http;

/// <summary>
/// Reads a JSON request body strictly (unknown fields and wrong types are errors) and turns every
/// way it can be wrong into a problem that says what: media type, size, syntax, shape.
/// </summary>
public static class JsonBody
{
    /// <summary>The largest request body the API reads.</summary>
    public const long MaxBytes = 64 * 1024;

    private static JsonSerializerOptions? _strict;

    public static async Task<(T? Value, BodyProblem? Problem)> ReadAsync<T>(HttpContext context) where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, new BodyProblem(Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'.")));
        }
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Strict(context), context.RequestAborted);
            return value is null ? (null, Invalid("The body must be a JSON object, not null.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid($"The body is not valid for this request: {Describe(ex)}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    private static BodyProblem Invalid(string detail) =>
        new(Problems.BadRequest(detail).Problem);

    private static BodyProblem TooLarge() =>
        new(Problems.Status(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The body is larger than {MaxBytes / 1024} KiB."));

    private static JsonSerializerOptions Strict(HttpContext context) =>
        _strict ??= new JsonSerializerOptions(context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions)
        {
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
            AllowTrailingCommas = false,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        };

    /// <summary>What a <see cref="JsonException"/> says was wrong, and where, without the reader's positions.</summary>
    internal static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var what = cut > 0 ? message[..cut] : message;
        return ex.Path is { Length: > 0 } path ? $"{what} (at {path})" : what;
    }
}
