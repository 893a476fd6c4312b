# syntax=docker/dockerfile:1
# Omni2: the Orleans silo + HTTP host (API, SignalR hub at /ws, dashboard at /), one image for every silo.
#   docker build -t omni2-orleans .
#   docker run --rm omni2-orleans token --role admin     (the same entry point, with the token command)
# Stages: Node.js gathered from its official image, the .NET publish (which builds the dashboard too, as every
# `dotnet build` does: Omni2.Host.csproj runs npm ci and the Vite build into wwwroot), and the ASP.NET runtime
# running as the image's non-root user. Node.js is in the runtime too: stdio MCP servers (npx ...) run on the silo.
ARG NODE_IMAGE=node:22.19.0-bookworm-slim
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12

# --- node: Node.js and npm/npx from the official image, in one folder laid out like /usr/local, for the
# build stage (the dashboard) and the runtime (stdio MCP servers).
FROM ${NODE_IMAGE} AS node
RUN mkdir -p /opt/node/bin /opt/node/lib/node_modules \
 && cp /usr/local/bin/node /opt/node/bin/ \
 && cp -r /usr/local/lib/node_modules/npm /opt/node/lib/node_modules/ \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /opt/node/bin/npx

# --- build: restore on the project files alone (a cached layer), then publish.
FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Omni2.Contracts/Omni2.Contracts.csproj src/Omni2.Contracts/
COPY src/Omni2.Grains/Omni2.Grains.csproj src/Omni2.Grains/
COPY src/Omni2.Host/Omni2.Host.csproj src/Omni2.Host/
RUN dotnet restore src/Omni2.Host/Omni2.Host.csproj
COPY --from=node /opt/node/ /usr/local/
COPY src/ src/
RUN dotnet publish src/Omni2.Host/Omni2.Host.csproj -c Release -o /app --no-restore --no-self-contained

# --- runtime
FROM ${DOTNET_RUNTIME_IMAGE}
# curl for health checks (docker-compose.yml); Node.js and npm/npx copied from the official image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /opt/node/ /usr/local/
RUN node --version && npm --version
WORKDIR /app
COPY --from=build /app ./
# The base image's non-root user (uid 1654, "app").
USER $APP_UID
# HTTP on 8080, every interface (the aspnet image's own ASPNETCORE_HTTP_PORTS, stated); ASPNETCORE_URLS or --urls
# override it (appsettings.json pins no address; the 127.0.0.1:5080 default applies only when nothing is set).
# Silo-to-silo 11111 on every interface; the advertised address is the container's (Orleans__AdvertisedIPAddress,
# or in Kubernetes the pod IP). No Orleans gateway port: nothing connects as an Orleans client.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Orleans__ListenOnAnyHostAddress=true \
    Orleans__SiloPort=11111 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080 11111
# The liveness probe (curl is installed above): Docker marks a container that stops answering unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health/live"]
# README's `dotnet run --project src/Omni2.Host`, published: scripts/validate-deploy checks this line.
ENTRYPOINT ["dotnet", "Omni2.Host.dll"]
