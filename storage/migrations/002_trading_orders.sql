-- Orders placed by this app. correlation_id is born at the keypress and sent as customerOrderId.
CREATE TABLE trading_orders (
    id                INTEGER PRIMARY KEY,
    correlation_id    TEXT    NOT NULL UNIQUE,
    customer_order_id TEXT    NOT NULL,
    pair              TEXT    NOT NULL,
    side              TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    order_type        TEXT    NOT NULL DEFAULT 'LIMIT' CHECK (order_type = 'LIMIT'),
    price             TEXT    NOT NULL,
    quantity          TEXT    NOT NULL,
    filled_quantity   TEXT    NOT NULL DEFAULT '0',
    fee_total         TEXT    NOT NULL DEFAULT '0',
    status            TEXT    NOT NULL,
    note              TEXT    NOT NULL DEFAULT '',
    error_code        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX idx_trading_orders_status ON trading_orders (status);
CREATE INDEX idx_trading_orders_created ON trading_orders (created_at DESC);
