-- The prompts, resources and resource templates the grain last listed, beside its tools, so every silo's
-- catalog can load them without asking each grain: {"prompts", "resources", "resource_templates"}, each an
-- array of {"key" (the name, URI or URI template), "definition" (the MCP object verbatim)}. Written with the
-- status columns by the server's grain; '{}' (a server never listed) reads as empty lists. Not a
-- configuration column, so the NOTIFY trigger (012) never fires for it.
-- Idempotent: safe to apply on every deploy.

ALTER TABLE omni2.mcp_servers ADD COLUMN IF NOT EXISTS listings jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(listings) = 'object');
