-- Fills of our orders, paper or LIVE (never mixed: execution_mode on every row).
CREATE TABLE order_fills (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES trading_orders (id),
    correlation_id TEXT    NOT NULL,
    execution_mode TEXT    NOT NULL CHECK (execution_mode IN ('DRY_RUN', 'LIVE')),
    trade_id       TEXT    NOT NULL,
    pair           TEXT    NOT NULL,
    side           TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price          TEXT    NOT NULL,
    quantity       TEXT    NOT NULL,
    fee            TEXT    NOT NULL DEFAULT '0',
    fee_currency   TEXT    NOT NULL DEFAULT '',
    is_maker       INTEGER NOT NULL DEFAULT 1 CHECK (is_maker IN (0, 1)),
    traded_at      INTEGER NOT NULL,
    UNIQUE (execution_mode, trade_id)
);
CREATE INDEX idx_order_fills_order ON order_fills (order_id);
CREATE INDEX idx_order_fills_correlation ON order_fills (correlation_id);
CREATE INDEX idx_order_fills_mode_time ON order_fills (execution_mode, traded_at);

-- Paper wallet balances, updated in the same transaction as the fill or order that moves them.
CREATE TABLE paper_wallet (
    currency   TEXT    PRIMARY KEY,
    total      TEXT    NOT NULL,
    reserved   TEXT    NOT NULL DEFAULT '0',
    updated_at INTEGER NOT NULL
);
-- Money put into the paper wallet (its opening balances); reconciliation's database view is
-- funding + fills, which the wallet rows must match.
CREATE TABLE paper_wallet_funding (
    id         INTEGER PRIMARY KEY,
    currency   TEXT    NOT NULL,
    amount     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
