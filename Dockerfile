# syntax=docker/dockerfile:1
# Omni2: the Orleans silo + HTTP host (API, SignalR hub at /ws, dashboard at /), one image for every silo.
#   docker build -t omni2-orleans .
#   docker run --rm omni2-orleans token --role admin     (the same entry point, with the token command)
# Stages: the dashboard (Node; only when src/Omni2.Host/Dashboard/web exists), the .NET publish, and the
# ASP.NET runtime running as the image's non-root user. Node.js is in the runtime too: stdio MCP servers
# (npx ...) run on the silo.
ARG NODE_IMAGE=node:22.19.0-bookworm-slim
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12

# --- dashboard: `npm ci && npm run build` in src/Omni2.Host/Dashboard/web, which builds into src/Omni2.Host/wwwroot.
FROM ${NODE_IMAGE} AS dashboard
WORKDIR /src/src/Omni2.Host
# "Dashboar[d]" is a wildcard: it copies the folder when it exists and nothing when it does not (the csproj
# always matches, so the COPY never fails); the build below then runs only if the folder has a package.json.
COPY src/Omni2.Host/Omni2.Host.csproj src/Omni2.Host/Dashboar[d] ./Dashboard/
RUN mkdir -p wwwroot \
 && if [ -f Dashboard/web/package.json ]; then \
      cd Dashboard/web \
      && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi \
      && npm run build; \
    else \
      echo "no src/Omni2.Host/Dashboard/web: the image has no dashboard"; \
    fi

# --- build: restore on the project files alone (a cached layer), then publish.
FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Omni2.Contracts/Omni2.Contracts.csproj src/Omni2.Contracts/
COPY src/Omni2.Grains/Omni2.Grains.csproj src/Omni2.Grains/
COPY src/Omni2.Host/Omni2.Host.csproj src/Omni2.Host/
RUN dotnet restore src/Omni2.Host/Omni2.Host.csproj
COPY src/ src/
COPY --from=dashboard /src/src/Omni2.Host/wwwroot/ src/Omni2.Host/wwwroot/
RUN dotnet publish src/Omni2.Host/Omni2.Host.csproj -c Release -o /app --no-restore --no-self-contained

# --- node: the same Node.js as the dashboard stage, for the runtime's stdio MCP servers.
FROM ${NODE_IMAGE} AS node

# --- runtime
FROM ${DOTNET_RUNTIME_IMAGE}
# curl for health checks (docker-compose.yml); Node.js and npm/npx copied from the official image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
WORKDIR /app
COPY --from=build /app ./
# The base image's non-root user (uid 1654, "app").
USER $APP_UID
# Plain "Urls", not ASPNETCORE_URLS: appsettings.json's "Urls" (127.0.0.1:5080) would win over the latter.
# Silo-to-silo 11111 on every interface; the advertised address is the container's (Orleans__AdvertisedIPAddress,
# or in Kubernetes the pod IP). No Orleans gateway port: nothing connects as an Orleans client.
ENV Urls=http://0.0.0.0:8080 \
    Orleans__ListenOnAnyHostAddress=true \
    Orleans__SiloPort=11111 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080 11111
# The liveness probe (curl is installed above): Docker marks a container that stops answering unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health/live"]
# README's `dotnet run --project src/Omni2.Host`, published: scripts/validate-deploy checks this line.
ENTRYPOINT ["dotnet", "Omni2.Host.dll"]
