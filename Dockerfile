# Omni2 silo + HTTP host. Multi-stage: the SDK builds, the ASP.NET runtime runs as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Omni2.Orleans.sln ./
COPY src/ src/
RUN dotnet publish src/Omni2.Host -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Node.js runs stdio MCP servers such as the official server-everything.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Orleans__ListenOnAnyHostAddress=true
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "Omni2.Host.dll"]
