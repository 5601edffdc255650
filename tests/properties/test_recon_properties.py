"""Properties of reconciliation and the trade journal.

- Property 9: a deviation above RECON_MISMATCH_PCT always ends in LOCKDOWN; at or below, never.
- Property 10: NEUTRAL holds exactly while the last RECON_MAX_FAILURES (or more) runs failed.
- Property 13: every closed position is recorded exactly once, with a PnL whose sign agrees with
  its classification, and re-processing (or processing in pieces) records nothing new.

Expected figures are computed independently here (fractions, a plain running position), not with
the code under test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from storage.db import Database, to_text
from tests.trading.test_reconciliation import Views, fund, trade
from valr_tui.config import Settings
from valr_tui.errors import ExchangeUnavailableError
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.reconciliation import DUST, ReconciliationEngine
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.trade_journal import TradeJournal, journal_totals

D = Decimal
SETTINGS = Settings(db_path=":memory:")
THRESHOLD = SETTINGS.recon_mismatch_pct
CURRENCIES = ("ZAR", "BTC", "ETH")


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def expected_pct(a: Decimal, b: Decimal) -> Fraction:
    """The documented rule, in exact fractions: dust and 0/0 are 0."""
    gap = abs(Fraction(a) - Fraction(b))
    if gap <= Fraction(DUST):
        return Fraction(0)
    return gap * 100 / max(abs(Fraction(a)), abs(Fraction(b)))


amounts = st.decimals(min_value=D("0"), max_value=D("10000000"), places=8, allow_nan=False)


@st.composite
def perturbed_views(draw: st.DrawFn) -> tuple[dict[str, Decimal], str, str, Decimal]:
    """Balances, the view and currency to perturb, and the perturbed figure."""
    currencies = draw(st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=3, unique=True))
    balances = {c: draw(amounts) for c in currencies}
    view = draw(st.sampled_from(("database", "state", "exchange")))
    currency = draw(st.sampled_from(currencies))
    base = balances[currency]
    kind = draw(st.sampled_from(("pct", "at_threshold", "absolute")))
    if kind == "at_threshold":  # exactly at the threshold: never a mismatch
        figure = base * (1 - THRESHOLD / 100)
    elif kind == "pct":
        pct = draw(st.decimals(min_value=D("0"), max_value=D("5"), places=3))
        figure = base * (1 + draw(st.sampled_from((1, -1))) * pct / 100)
    else:
        figure = base + draw(st.decimals(min_value=D("-100"), max_value=D("100"), places=8))
    return balances, view, currency, figure


@settings(max_examples=40)
@given(perturbed_views())
def test_property_09_reconciliation_mismatch_detection(
    case: tuple[dict[str, Decimal], str, str, Decimal],
) -> None:
    balances, view, currency, figure = case

    async def scenario() -> None:
        db = await Database.open(":memory:")
        perturbed = {**balances, currency: figure}
        for cur, amount in (perturbed if view == "database" else balances).items():
            await fund(db, cur, to_text(amount))
        views = Views(
            perturbed if view == "exchange" else balances, perturbed if view == "state" else balances
        )
        safety = await SafetyController.load(db, ManualClock())
        lockdowns: list[str] = []

        async def on_lockdown(reason: str) -> None:
            lockdowns.append(reason)

        engine = ReconciliationEngine(
            SETTINGS, db, safety, exchange_view=views.exchange_view, state_view=views.state_view,
            on_lockdown=on_lockdown, clock=ManualClock(),
        )
        report = await engine.run_once()
        deviation = expected_pct(balances[currency], figure)
        assert report.completed
        assert abs(Fraction(report.max_deviation_pct) - deviation) < Fraction(1, 10**40)
        event("above threshold" if deviation > Fraction(THRESHOLD) else "at or below threshold")
        if deviation > Fraction(THRESHOLD):
            assert safety.state is SafetyState.LOCKDOWN and not report.ok
            assert len(lockdowns) == 1 and currency in lockdowns[0]
        else:
            assert safety.state is SafetyState.NORMAL and report.ok and not lockdowns
        await db.close()

    run(scenario)


@settings(max_examples=40)
@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_property_10_consecutive_failure_neutral_state(outcomes: list[bool]) -> None:
    """``True`` is a run that completes, ``False`` one whose exchange view fails."""

    async def scenario() -> None:
        db = await Database.open(":memory:")
        await fund(db, "ZAR", "1000")
        views = Views({"ZAR": D("1000")}, {"ZAR": D("1000")})
        views.queue.extend(
            {"ZAR": D("1000")} if ok else ExchangeUnavailableError("down") for ok in outcomes
        )
        safety = await SafetyController.load(db, ManualClock())
        engine = ReconciliationEngine(
            SETTINGS, db, safety, exchange_view=views.exchange_view, state_view=views.state_view,
            clock=ManualClock(),
        )
        trailing_failures = 0
        for ok in outcomes:
            report = await engine.run_once()
            trailing_failures = 0 if ok else trailing_failures + 1
            assert report.completed is ok
            assert engine.consecutive_failures == trailing_failures
            in_neutral = trailing_failures >= SETTINGS.recon_max_failures
            assert (safety.state is SafetyState.NEUTRAL) is in_neutral
            assert safety.state in (SafetyState.NORMAL, SafetyState.NEUTRAL)
        rows = await db.fetchall("SELECT COUNT(*) AS n FROM institutional_audit"
                                 " WHERE event_type = 'RECONCILIATION'")
        assert rows[0]["n"] == len(outcomes)
        await db.close()

    run(scenario)


fill_strategy = st.tuples(
    st.sampled_from(("DRY_RUN", "LIVE")),
    st.sampled_from(("BTCZAR", "ETHZAR")),
    st.sampled_from(("BUY", "SELL")),
    st.integers(min_value=1, max_value=5),  # quantity in hundredths
    st.integers(min_value=50, max_value=150),  # price in whole ZAR
    st.integers(min_value=0, max_value=60),  # fee in cents (ZAR)
)
Key = tuple[str, str]


def closes_and_flat_out(
    fills: list[tuple[str, str, str, int, int, int]],
) -> tuple[int, list[tuple[str, str, str, int, int, int]]]:
    """Independently: how many times a position closes (returns to or crosses zero), and the
    fills that bring every position back to flat at the end."""
    net: dict[Key, int] = {}
    closes = 0
    for mode, pair, side, qty, _price, _fee in fills:
        before = net.get((mode, pair), 0)
        after = before + (qty if side == "BUY" else -qty)
        if before != 0 and (after == 0 or (after > 0) != (before > 0)):
            closes += 1
        net[(mode, pair)] = after
    flatten = [
        (mode, pair, "SELL" if n > 0 else "BUY", abs(n), 100, 0)
        for (mode, pair), n in sorted(net.items()) if n != 0
    ]
    return closes + len(flatten), flatten


@settings(max_examples=40)
@given(st.lists(fill_strategy, min_size=1, max_size=14), st.integers(min_value=0, max_value=14))
def test_property_13_journal_outcome_recording(
    fills: list[tuple[str, str, str, int, int, int]], split: int
) -> None:
    closes, flatten = closes_and_flat_out(fills)
    every_fill = fills + flatten
    tolerance = SETTINGS.breakeven_tolerance_zar

    async def scenario(path: str) -> None:
        db = await Database.open(path)
        recorder = TradeJournal(SETTINGS, db, ManualClock())
        recorded = []
        for n, (mode, pair, side, qty, price, fee) in enumerate(every_fill):
            await trade(db, f"c{n}", side, str(price), str(D(qty) / 100), fee=str(D(fee) / 100),
                        fee_currency="ZAR", pair=pair, mode=mode, at=1_000 + n)
            if n == split:  # processing in pieces must give the same records as all at once
                recorded += await recorder.process_new_fills()
        recorded += await recorder.process_new_fills()
        assert await recorder.process_new_fills() == []  # re-processing records nothing

        assert len(recorded) == closes  # every closed position, exactly once
        keys = await db.fetchall("SELECT position_key FROM prediction_outcomes")
        assert len({r["position_key"] for r in keys}) == closes
        for entry in recorded:
            if entry.outcome == "WIN":
                assert entry.pnl_zar > tolerance
            elif entry.outcome == "LOSS":
                assert entry.pnl_zar < -tolerance
            else:
                assert abs(entry.pnl_zar) <= tolerance
        # Everything ends flat, so the recorded PnL is exactly the cash made per mode.
        for mode in ("DRY_RUN", "LIVE"):
            cash = sum(
                (D(price) * D(qty) / 100 * (1 if side == "SELL" else -1) - D(fee) / 100
                 for m, _pair, side, qty, price, fee in every_fill if m == mode),
                D(0),
            )
            assert sum((e.pnl_zar for e in recorded if e.execution_mode == mode), D(0)) == cash
            assert (journal_totals(await recorder.journal(1_000_000, execution_mode=mode))).pnl_zar == cash
        await db.close()

    run(lambda: scenario(":memory:"))


def test_property_13_helper_counts_flips_as_closes() -> None:
    """The independent model itself: a flip is a close, a same-side add is not."""
    fills = [("DRY_RUN", "BTCZAR", "BUY", 2, 100, 0), ("DRY_RUN", "BTCZAR", "BUY", 1, 100, 0),
             ("DRY_RUN", "BTCZAR", "SELL", 5, 100, 0)]
    closes, flatten = closes_and_flat_out(fills)
    assert flatten == [("DRY_RUN", "BTCZAR", "BUY", 2, 100, 0)]
    assert closes == 2
