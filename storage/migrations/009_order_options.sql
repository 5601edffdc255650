-- Order options as VALR takes them on "Place limit order": postOnly (maker only: it fails rather
-- than match on arrival) and timeInForce (GTC rests, IOC cancels what does not fill at once, FOK
-- fills in full at once or fails). Rows from before had neither: GTC, not post-only.
ALTER TABLE trading_orders ADD COLUMN post_only INTEGER NOT NULL DEFAULT 0 CHECK (post_only IN (0, 1));
ALTER TABLE trading_orders ADD COLUMN time_in_force TEXT NOT NULL DEFAULT 'GTC'
    CHECK (time_in_force IN ('GTC', 'IOC', 'FOK'));
