-- Web Push: the service's VAPID key pair (the private key sealed), and the
-- browsers' push subscriptions, one per user and resource.
CREATE TABLE webpush_vapid (
	id                  INTEGER PRIMARY KEY CHECK (id = 1),
	public_key          TEXT    NOT NULL, -- base64url, uncompressed P-256 point
	private_key_sealed  BLOB    NOT NULL,
	created_at          INTEGER NOT NULL
);

CREATE TABLE webpush_subscriptions (
	jid        TEXT    NOT NULL,
	resource   TEXT    NOT NULL,
	endpoint   TEXT    NOT NULL,
	p256dh     TEXT    NOT NULL,
	auth       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (jid, resource)
);
CREATE INDEX webpush_subscriptions_endpoint ON webpush_subscriptions (endpoint);
