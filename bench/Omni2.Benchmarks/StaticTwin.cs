using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Omni2.Benchmarks;

/// <summary>
/// The baseline: <c>GET /bench/static/{name}</c> answers with bytes captured from Omni2, from the
/// same Kestrel, ahead of the whole pipeline (no routing, no authentication, no rendering).
/// It is what the same response costs when the server does nothing but send it.
/// </summary>
public sealed class StaticTwin
{
    public const string Prefix = "/bench/static/";
    private readonly ConcurrentDictionary<string, byte[]> _bodies = new(StringComparer.Ordinal);

    /// <summary>Serves <paramref name="body"/> at <c>/bench/static/{name}</c> from now on; returns that path.</summary>
    public string Serve(string name, byte[] body)
    {
        _bodies[name] = body;
        return Prefix + name;
    }

    private Task? TryServe(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal) || !HttpMethods.IsGet(context.Request.Method)
            || !_bodies.TryGetValue(path[Prefix.Length..], out var body))
        {
            return null;
        }
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>Puts the twin in front of the host's own middleware.</summary>
    public sealed class Filter(StaticTwin twin) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(rest => context => twin.TryServe(context) ?? rest(context));
            next(app);
        };
    }
}
