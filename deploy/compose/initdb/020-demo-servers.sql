-- docker-compose.yml's demo MCP servers, registered when the database is created (run once by the postgres
-- image's initdb, after 010-omni2-schema.sh). The silos' registry picks the rows up like any other.
-- Kubernetes registers none: add servers there with POST /api/v1/mcp/servers.
INSERT INTO omni2.mcp_servers (name, transport, url)
VALUES ('everything', 'streamable_http', 'http://mcp-everything:3001/mcp'),
       ('csharp-demo', 'streamable_http', 'http://mcp-csharp:8080/mcp')
ON CONFLICT (name) DO NOTHING;
