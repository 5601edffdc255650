"""Hostile text for the order path: what a user (or a paste) can put into a price or quantity box.

None of these is a valid amount on its own: each must give a coded VALR-... error and store nothing.
"""

from __future__ import annotations

from hypothesis import strategies as st

HOSTILE_AMOUNTS: tuple[str, ...] = (
    "١٢٣",  # Arabic-Indic digits: Decimal() would accept them
    "１２３",  # full-width digits
    "१२३",  # Devanagari digits
    "1e5", "1E-3", "NaN", "nan", "sNaN", "-0", "0", "-1", "Infinity", "-Infinity", "inf",
    str(10**40), "0." + "0" * 29 + "1", "1." + "1" * 30, "0x10", "1_000", "1,000", "+5", "--1",
    "1..2", ".", "-", "½", "Ⅻ", "1/2", "1 000",
    "", " ", "\t", "\n", "\u00a0", "\u200b",
    "1; DROP TABLE trading_orders", "' OR 1=1 --", "0); DELETE FROM trading_orders; --",
    "💰", "1💰", "🔥🔥", "\x00", "1\x00", "\ufeff1",
)

unicode_digits = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6).filter(
    lambda text: not text.isascii()
)
exponents = st.builds(lambda m, e: f"{m}e{e}", st.integers(1, 999), st.integers(-40, 40))
huge = st.integers(10**12, 10**60).map(str)
long_decimals = st.integers(21, 40).map(lambda places: "0." + "0" * (places - 1) + "7")
blank = st.text(st.sampled_from(" \t\n\r\u00a0\u2003\u200b"), max_size=5)
sql = st.sampled_from(["trading_orders", "DROP TABLE", "';", "--", "/*", "UNION SELECT"]).map(
    lambda fragment: f"1 {fragment}"
)
emoji = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=3)
non_numbers = st.text(min_size=1, max_size=12).filter(
    lambda text: not any(ch.isdigit() for ch in text)
)

hostile_amounts = st.one_of(
    st.sampled_from(HOSTILE_AMOUNTS), unicode_digits, exponents, huge, long_decimals, blank, sql,
    emoji, non_numbers,
)
