using System.Text.Json;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.RateLimits;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>The HTTP API's services: snake_case JSON, problem details, OpenAPI, the catalog.</summary>
public static class ApiSetup
{
    public static WebApplicationBuilder AddOmni2Api(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // The framework's own 4xx (a query value that does not bind, a body too large) say what was wrong;
            // anything else stays a bare 500 without internals.
            if (context.Exception is BadHttpRequestException bad)
            {
                context.ProblemDetails.Detail = bad.Message;
            }
        });
        builder.Services.AddOpenApi();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = JsonBody.MaxBytes);
        builder.Services.AddOptions<StdioOptions>().BindConfiguration(StdioOptions.Section);
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section)
            .Validate(o => o.ResyncInterval > TimeSpan.Zero && o.FullResyncInterval > TimeSpan.Zero, $"{CatalogOptions.Section}: ResyncInterval and FullResyncInterval must be positive").ValidateOnStart();
        builder.Services.AddSingleton<ServerCatalog>();
        builder.Services.AddHostedService<CatalogFeed>();
        return builder;
    }

    public static WebApplication MapOmni2Api(this WebApplication app)
    {
        app.MapOpenApi("/openapi/v1.json").AllowAnonymous();
        // What middleware answers before a handler runs is listed with what the handlers answer.
        var api = app.MapGroup("").ProducesAuthorizationProblems().ProducesRateLimitProblems();
        api.MapToolsApi();
        api.MapReadsApi();
        api.MapAdminApi();
        api.MapToolPinsApi();
        api.MapAuditApi();
        api.MapHealthLogApi();
        api.MapFleetHistoryApi();
        api.MapAuthApi();
        return app;
    }
}
