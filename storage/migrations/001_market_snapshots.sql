-- The seed's market_snapshots migration. Amounts are canonical decimal strings (TEXT), never REAL.
CREATE TABLE market_snapshots (
    id          INTEGER PRIMARY KEY,
    pair        TEXT    NOT NULL,
    bid         TEXT    NOT NULL,
    ask         TEXT    NOT NULL,
    last        TEXT    NOT NULL,
    spread_pct  TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT 'rest' CHECK (source IN ('rest', 'ws')),
    captured_at INTEGER NOT NULL  -- Unix epoch milliseconds
);
-- "last N snapshots of a pair" and retention by age both walk this index.
CREATE INDEX idx_market_snapshots_pair_time ON market_snapshots (pair, captured_at DESC);
CREATE INDEX idx_market_snapshots_time ON market_snapshots (captured_at);
