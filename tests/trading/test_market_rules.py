"""check_market: stale/missing data, crossed books, spreads over MAX_SPREAD_PCT."""

from __future__ import annotations

from decimal import Decimal

from valr_tui.errors import SpreadTooWideError, StaleMarketDataError
from valr_tui.trading.market_rules import check_market, market_spread_pct, top_of_book
from valr_tui.trading.views import MarketView

from .market_fakes import SETTINGS, book, ticker

NOW = 1_760_000_000.0


def view(bid: str = "1000000", ask: str = "1001000", *, age: float = 0.0, with_book: bool = False,
         book_bid: str | None = None, book_ask: str | None = None) -> MarketView:
    the_book = book(bid=book_bid or bid, ask=book_ask or ask) if with_book else None
    return MarketView("BTCZAR", ticker(bid=bid, ask=ask), the_book, NOW - age, False)


def test_fresh_narrow_market_passes() -> None:
    assert check_market(view(), NOW, SETTINGS) == []  # spread ~0.1 %


def test_no_data_is_stale() -> None:
    problems = check_market(MarketView("BTCZAR", None, None, None, True), NOW, SETTINGS)
    assert [type(p) for p in problems] == [StaleMarketDataError]
    assert "no market data for BTCZAR" in problems[0].message


def test_stale_message_names_the_age() -> None:
    assert check_market(view(age=30.0), NOW, SETTINGS) == []
    problems = check_market(view(age=42.5), NOW, SETTINGS)
    assert [type(p) for p in problems] == [StaleMarketDataError]
    assert problems[0].code == "VALR-MKT-002"
    assert "42.5 s old" in problems[0].message and "stale after 30 s" in problems[0].message


def test_stale_flag_on_the_view_is_honoured() -> None:
    flagged = MarketView("BTCZAR", ticker(), None, NOW, True)
    assert [type(p) for p in check_market(flagged, NOW, SETTINGS)] == [StaleMarketDataError]


def test_wide_spread_message_has_spread_and_limit() -> None:
    # bid 100, ask 101.0101: spread 1.005025...% of mid > 1.00 %; shown rounded up to 3 dp
    problems = check_market(view("100", "101.0101"), NOW, SETTINGS)
    assert [type(p) for p in problems] == [SpreadTooWideError]
    assert problems[0].code == "VALR-MKT-001"
    assert problems[0].message == "spread 1.006% on BTCZAR exceeds the limit of 1.00%"


def test_spread_exactly_at_the_limit_passes() -> None:
    # bid 99.5, ask 100.5: spread 1 / mid 100 = exactly 1 %
    assert market_spread_pct(view("99.5", "100.5")) == Decimal(1)
    assert check_market(view("99.5", "100.5"), NOW, SETTINGS) == []


def test_crossed_ticker_or_book_is_rejected() -> None:
    problems = check_market(view("101", "100"), NOW, SETTINGS)
    assert [type(p) for p in problems] == [SpreadTooWideError]
    assert "crossed book" in problems[0].message and "ask 100 is below bid 101" in problems[0].message
    crossed_book = view(with_book=True, book_bid="1002000", book_ask="1001000")
    problems = check_market(crossed_book, NOW, SETTINGS)
    assert ["crossed book" in p.message for p in problems] == [True]
    assert market_spread_pct(crossed_book) is None


def test_book_top_is_preferred_over_the_ticker() -> None:
    v = view("100", "200", with_book=True, book_bid="100", book_ask="100.5")
    assert top_of_book(v) == (Decimal(100), Decimal("100.5"))
    assert check_market(v, NOW, SETTINGS) == []


def test_one_sided_market_cannot_be_checked() -> None:
    problems = check_market(view("0", "100"), NOW, SETTINGS)
    assert [type(p) for p in problems] == [SpreadTooWideError]
    assert "no two-sided quote" in problems[0].message


def test_stale_and_wide_are_both_reported() -> None:
    problems = check_market(view("100", "110", age=99), NOW, SETTINGS)
    assert [type(p) for p in problems] == [StaleMarketDataError, SpreadTooWideError]
