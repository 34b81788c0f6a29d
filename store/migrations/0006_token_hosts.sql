-- API tokens may be limited to one virtual host ('' = every host the
-- component administers). last_used_at (0001) is now kept up to date.
ALTER TABLE api_tokens ADD COLUMN host TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_scope ON api_tokens (scope, name);
