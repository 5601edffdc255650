-- The seed's extension migration: simulated vs LIVE, and what VALR said.
ALTER TABLE trading_orders ADD COLUMN is_simulated INTEGER NOT NULL DEFAULT 1
    CHECK (is_simulated IN (0, 1));
ALTER TABLE trading_orders ADD COLUMN execution_mode TEXT NOT NULL DEFAULT 'DRY_RUN'
    CHECK (execution_mode IN ('DRY_RUN', 'LIVE'));
ALTER TABLE trading_orders ADD COLUMN valr_order_id TEXT;
ALTER TABLE trading_orders ADD COLUMN valr_response TEXT;
CREATE UNIQUE INDEX idx_trading_orders_valr_id ON trading_orders (valr_order_id)
    WHERE valr_order_id IS NOT NULL;
CREATE INDEX idx_trading_orders_mode_status ON trading_orders (execution_mode, status);
