"""The trading rules: market data, orders, paper trading, reconciliation, journal, safety.

No Textual in here: the dashboard, the PoC and scripts drive these services alike.
"""
