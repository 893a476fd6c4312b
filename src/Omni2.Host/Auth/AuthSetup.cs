using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.McpGateway;
using Omni2.Host.Silo;

namespace Omni2.Host.Auth;

/// <summary>JWT bearer authentication for the API (and, by query string, for browsers' WebSockets) and the role policies.</summary>
public static class AuthSetup
{
    public const string RoleClaim = "role";
    public const string NameClaim = "sub";

    /// <summary>Who the caller is (the token's <c>sub</c>), or null without one.</summary>
    public static string? UserOf(System.Security.Claims.ClaimsPrincipal? user) => user?.FindFirst(NameClaim)?.Value;

    public static WebApplicationBuilder AddOmni2Auth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        OidcSettings.EnsureComplete(options);
        if (options.MaxTokenLifetime <= TimeSpan.Zero || options.RevocationPollInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Auth:MaxTokenLifetime and Auth:RevocationPollInterval must be positive.");
        }
        var key = SigningKeys.Resolve(options, SiloConfiguration.IsEmbedded(builder.Configuration));
        var oidc = !string.IsNullOrEmpty(options.Authority);
        builder.Services.AddSingleton(new TokenIssuer(options, key));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TokenRevocations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TokenRevocations>());

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            // Nothing reads the raw token back (GetTokenAsync); storing it costs every request a properties dictionary.
            jwt.SaveToken = false;
            // With an OIDC authority the keys rotate, so a validation is only remembered under the configured key.
            if (key is not null && !oidc)
            {
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new ValidatedTokens { MapInboundClaims = false });
            }
            jwt.Authority = oidc ? options.Authority : null;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = key,
                ValidateIssuerSigningKey = key is not null,
                ValidIssuer = options.Issuer,
                ValidateIssuer = oidc || !string.IsNullOrEmpty(options.Issuer),
                ValidAudience = options.Audience,
                ValidateAudience = oidc || !string.IsNullOrEmpty(options.Audience),
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                RoleClaimType = RoleClaim,
                NameClaimType = NameClaim,
            };
            jwt.Events = new JwtBearerEvents
            {
                // Browsers cannot set headers on WebSockets: the hub takes the token from the query string.
                OnMessageReceived = context =>
                {
                    // Traefik's ForwardAuth check of a browser's hub request: the token is in X-Forwarded-Uri's query.
                    context.Token = ForwardedHubToken.Read(context.Request);
                    if (context.Request.Query.TryGetValue("access_token", out var token) && context.HttpContext.Request.Path.StartsWithSegments("/ws"))
                    {
                        context.Token = token;
                    }
                    return Task.CompletedTask;
                },
                // With an OIDC authority, a 401 on /mcp tells MCP clients where to sign in (RFC 9728).
                OnChallenge = context => oidc ? ProtectedResourceMetadata.ChallengeAsync(context, McpGatewaySetup.Path) : Task.CompletedTask,
                // Every request, the validation itself remembered or not: a revoked token gets a 401.
                OnTokenValidated = context =>
                {
                    if (context.HttpContext.RequestServices.GetRequiredService<TokenRevocations>().IsRevoked(context.Principal))
                    {
                        context.Fail("The token was revoked.");
                    }
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            // Anything not marked otherwise needs a valid token; the probes and the OpenAPI document opt out.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Read, p => p.RequireRole(Roles.All))
            .AddPolicy(Policies.CallTools, p => p.RequireRole(Roles.ToolCallers))
            .AddPolicy(Policies.Administer, p => p.RequireRole(Roles.Admin));
        return builder;
    }
}
