-- One order lifecycle for paper and LIVE: a cancel is CANCEL_REQUESTED until the venue says it is
-- final; UNKNOWN marks an order whose placement outcome is not proven (looked up until resolved).
UPDATE trading_orders SET status = 'CANCEL_REQUESTED' WHERE status = 'CANCEL_PENDING';
-- How often a not-found lookup has been answered for an UNKNOWN order (three, spread over a settle
-- window, prove it absent) and when the last one was.
ALTER TABLE trading_orders ADD COLUMN absent_checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trading_orders ADD COLUMN last_checked_at INTEGER;
-- What the venue last reported as filled; filled_quantity is what the stored fills add up to. A
-- venue figure ahead of the stored one means fills still to be read.
ALTER TABLE trading_orders ADD COLUMN venue_filled_quantity TEXT NOT NULL DEFAULT '0';
-- The paper books' re-baseline after an operator unlock, and the drift it accepted, are recorded
-- as funding rows with their own reason (the funding table was only ever "opening balance").
CREATE INDEX idx_paper_wallet_funding_reason ON paper_wallet_funding (reason);
