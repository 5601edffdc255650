-- The trade journal (the seed's RLHF recorder): one outcome per closed position, exactly once.
CREATE TABLE prediction_outcomes (
    id              INTEGER PRIMARY KEY,
    position_key    TEXT    NOT NULL UNIQUE,  -- idempotency: a closed position is recorded once
    execution_mode  TEXT    NOT NULL CHECK (execution_mode IN ('DRY_RUN', 'LIVE')),
    pair            TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('LONG', 'SHORT')),
    quantity        TEXT    NOT NULL,
    entry_value_zar TEXT    NOT NULL,
    exit_value_zar  TEXT    NOT NULL,
    fees_zar        TEXT    NOT NULL,
    pnl_zar         TEXT    NOT NULL,
    outcome         TEXT    NOT NULL CHECK (outcome IN ('WIN', 'LOSS', 'BREAKEVEN')),
    correlation_ids TEXT    NOT NULL DEFAULT '[]',  -- JSON list of the orders involved
    thesis          TEXT    NOT NULL DEFAULT '',
    opened_at       INTEGER NOT NULL,
    closed_at       INTEGER NOT NULL
);
CREATE INDEX idx_prediction_outcomes_mode_time ON prediction_outcomes (execution_mode, closed_at DESC);

-- One readable document per trade, for later retrieval; updated with the outcome.
CREATE TABLE rag_documents (
    id              INTEGER PRIMARY KEY,
    doc_key         TEXT    NOT NULL UNIQUE,
    execution_mode  TEXT    NOT NULL CHECK (execution_mode IN ('DRY_RUN', 'LIVE')),
    outcome_id      INTEGER REFERENCES prediction_outcomes (id),
    title           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
);
