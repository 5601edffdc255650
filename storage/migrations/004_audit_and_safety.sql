-- Every safety transition, validation outcome, submission, fill and reconciliation run.
CREATE TABLE institutional_audit (
    id             INTEGER PRIMARY KEY,
    occurred_at    INTEGER NOT NULL,  -- Unix epoch milliseconds
    event_type     TEXT    NOT NULL,  -- e.g. ORDER_REJECTED, ORDER_SUBMITTED, RECONCILIATION, STATE_CHANGE
    severity       TEXT    NOT NULL DEFAULT 'INFO' CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
    correlation_id TEXT,
    execution_mode TEXT    CHECK (execution_mode IS NULL OR execution_mode IN ('DRY_RUN', 'LIVE')),
    state_before   TEXT,
    state_after    TEXT,
    message        TEXT    NOT NULL,
    details        TEXT    NOT NULL DEFAULT '{}'  -- JSON; amounts inside are strings
);
CREATE INDEX idx_audit_correlation ON institutional_audit (correlation_id, occurred_at);
CREATE INDEX idx_audit_time ON institutional_audit (occurred_at DESC);
CREATE INDEX idx_audit_type ON institutional_audit (event_type, occurred_at DESC);

-- The one current safety state; survives restarts (LOCKDOWN in particular).
CREATE TABLE safety_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    state          TEXT    NOT NULL CHECK (state IN ('NORMAL', 'SAFE_IDLE', 'NEUTRAL', 'LOCKDOWN')),
    reason         TEXT    NOT NULL DEFAULT '',
    correlation_id TEXT,
    changed_at     INTEGER NOT NULL
);
INSERT INTO safety_state (id, state, reason, changed_at) VALUES (1, 'NORMAL', 'initial', 0);
