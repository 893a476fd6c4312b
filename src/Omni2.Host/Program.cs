using Omni2.Host.Health;
using Omni2.Host.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddOmni2Silo();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.MapOmni2Health();
app.Run();

/// <summary>The host's entry point, visible to functional tests.</summary>
public partial class Program;
