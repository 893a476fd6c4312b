using Omni2.Grains.Mcp;
using Omni2.Host.Api;
using Omni2.Host.Audit;
using Omni2.Host.Auth;
using Omni2.Host.Dashboard;
using Omni2.Host.Probes;
using Omni2.Host.McpGateway;
using Omni2.Host.RateLimits;
using Omni2.Host.Realtime;
using Omni2.Host.Silo;
using Omni2.Host.Telemetry;

if (TokenCommand.IsInvoked(args))
{
    return TokenCommand.Run(args);
}

// Before anything else: no stdio server may read this process's environment (the signing key, the database password).
StdioSandbox.ProtectSilo();

var builder = WebApplication.CreateBuilder(args);
builder.UseOmni2DefaultUrls();
builder.AddOmni2Silo();
builder.AddOmni2Auth();
builder.AddOmni2Api();
builder.AddOmni2Realtime();
builder.AddOmni2McpGateway();
builder.AddOmni2RateLimits();
builder.AddOmni2ToolCallAudit();
builder.AddOmni2Telemetry();
builder.AddOmni2Dashboard();
builder.AddOmni2Probes();

var app = builder.Build();
app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError });
app.UseStatusCodePages();
app.MapOmni2Dashboard(); // static files before authentication: the page signs in by itself
app.UseAuthentication();
app.UseOmni2ToolCallAudit();
app.UseAuthorization();
app.UseOmni2RateLimits();
app.UseOmni2McpJsonBodies();
app.UseOmni2McpSessionEnds();
app.MapOmni2Probes();
app.MapOmni2Api();
app.MapOmni2Realtime();
app.MapOmni2McpGateway();
app.MapOmni2Telemetry();
app.Run();
return 0;

/// <summary>The host's entry point, visible to functional tests.</summary>
public partial class Program;
