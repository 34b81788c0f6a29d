-- API tokens may be limited to one virtual host ('' = every host the
-- component administers). last_used_at (0001) is now kept up to date.
ALTER TABLE api_tokens ADD COLUMN host TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_scope ON api_tokens (scope, name);

-- Accounts locked out through the component (disable-user), so that APIs
-- can say whether an account is enabled: the servers do not tell.
CREATE TABLE account_locks (
	jid       TEXT    PRIMARY KEY, -- bare JID
	locked_at INTEGER NOT NULL     -- Unix milliseconds
);
