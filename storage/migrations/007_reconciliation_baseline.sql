-- LIVE reconciliation: the exchange balances accepted as the starting point (taken at the first
-- successful reconciliation, and again after an operator unlock). The database's LIVE view is this
-- baseline plus every LIVE fill traded after taken_at.
CREATE TABLE reconciliation_baseline (
    execution_mode TEXT    NOT NULL CHECK (execution_mode IN ('DRY_RUN', 'LIVE')),
    currency       TEXT    NOT NULL,
    total          TEXT    NOT NULL,
    taken_at       INTEGER NOT NULL,  -- Unix epoch milliseconds
    PRIMARY KEY (execution_mode, currency)
);
