-- Webhook events and their deliveries, written in the same transaction as what they report
-- (a held comment, a flag, a decision, a rules change), so none is lost or sent for something
-- that rolled back. A row without an endpoint is an event not yet fanned out to the
-- endpoints that subscribe to it; a row with one is a delivery, retried until it is a day old.
CREATE TABLE webhook_outbox (
    -- UUIDv7; for a delivery, the `webhook-id` the receiver sees on every attempt.
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    endpoint TEXT,
    -- The event's `data` object (JSON).
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- new (not fanned out), pending, delivered, failed (given up).
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A dispatcher working on the row; another instance leaves it alone until then.
    locked_until TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP
);

CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
CREATE INDEX webhook_outbox_created ON webhook_outbox (created_at);
