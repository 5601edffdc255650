"""ReconciliationEngine: the 3-way balance sync, LOCKDOWN on a confirmed mismatch, NEUTRAL after
repeated failures, one audit row per run. The helpers at the top write rows with plain SQL (the
same schema the order manager writes) and are shared with the journal and command tests."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from storage.db import Database, to_text
from valr_tui.config import Settings
from valr_tui.errors import ExchangeUnavailableError, MalformedResponseError, RateLimitedError
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.reconciliation import (
    DUST,
    InFlight,
    ReconciliationEngine,
    deviation_pct,
)
from valr_tui.trading.safety import SafetyController, SafetyState

D = Decimal
T0_MS = 1_760_000_000_000


# --- shared helpers (plain SQL, no dependency on the order manager's repositories) --------------
async def add_order(
    db: Database,
    cid: str,
    *,
    pair: str = "BTCZAR",
    side: str = "BUY",
    price: str = "1000000",
    quantity: str = "0.01",
    mode: str = "DRY_RUN",
    note: str = "",
    status: str = "FILLED",
    at: int = T0_MS,
) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO trading_orders (correlation_id, customer_order_id, pair, side, price, quantity,"
            " status, note, created_at, updated_at, is_simulated, execution_mode)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, cid, pair, side, price, quantity, status, note, at, at, int(mode == "DRY_RUN"), mode),
        )
        return int(cursor.lastrowid or 0)


async def add_fill(
    db: Database,
    order_id: int,
    cid: str,
    *,
    pair: str = "BTCZAR",
    side: str = "BUY",
    price: str = "1000000",
    quantity: str = "0.01",
    fee: str = "0",
    fee_currency: str = "",
    mode: str = "DRY_RUN",
    trade_id: str | None = None,
    at: int = T0_MS,
) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO order_fills (order_id, correlation_id, execution_mode, trade_id, pair, side,"
            " price, quantity, fee, fee_currency, traded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order_id, cid, mode, trade_id or f"t-{cid}-{at}-{random.random()}", pair, side, price,
             quantity, fee, fee_currency, at),
        )
        return int(cursor.lastrowid or 0)


async def trade(
    db: Database, cid: str, side: str, price: str, quantity: str, *, fee: str = "0",
    fee_currency: str = "", pair: str = "BTCZAR", mode: str = "DRY_RUN", note: str = "",
    at: int = T0_MS,
) -> int:
    """One order filled in one fill; returns the fill id."""
    order_id = await add_order(
        db, cid, pair=pair, side=side, price=price, quantity=quantity, mode=mode, note=note, at=at
    )
    return await add_fill(
        db, order_id, cid, pair=pair, side=side, price=price, quantity=quantity, fee=fee,
        fee_currency=fee_currency, mode=mode, at=at,
    )


async def fund(db: Database, currency: str, amount: str) -> None:
    await db.execute(
        "INSERT INTO paper_wallet_funding (currency, amount, reason, created_at) VALUES (?, ?, 'test', 0)",
        (currency, amount),
    )


async def set_wallet(db: Database, totals: Mapping[str, Decimal]) -> None:
    async with db.transaction() as tx:
        for currency, total in totals.items():
            await tx.execute(
                "INSERT INTO paper_wallet (currency, total, reserved, updated_at) VALUES (?, ?, '0', 0)"
                " ON CONFLICT (currency) DO UPDATE SET total = excluded.total",
                (currency, to_text(total)),
            )


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(db_path=str(tmp_path / "valr.db"), **overrides)  # type: ignore[arg-type]


def live_settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, execution_mode="LIVE", live_trading_confirmed=True)


class Views:
    """Fake views the tests steer: a fixed exchange dict (or a queue of answers / errors)."""

    def __init__(self, exchange: Mapping[str, Decimal], state: Mapping[str, Decimal]) -> None:
        self.exchange = dict(exchange)
        self.state = dict(state)
        self.queue: list[Mapping[str, Decimal] | Exception] = []
        self.calls = 0

    async def exchange_view(self) -> dict[str, Decimal]:
        self.calls += 1
        if self.queue:
            item = self.queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return dict(item)
        return dict(self.exchange)

    def state_view(self) -> dict[str, Decimal]:
        return dict(self.state)


async def paper_engine(
    tmp_path: Path, views: Views, clock: ManualClock | None = None, **kw: object
) -> tuple[ReconciliationEngine, SafetyController, Database, list[str]]:
    db = await Database.open(tmp_path / "valr.db")
    safety = await SafetyController.load(db, clock or ManualClock())
    lockdowns: list[str] = []

    async def on_lockdown(reason: str) -> None:
        lockdowns.append(reason)

    engine = ReconciliationEngine(
        settings_for(tmp_path), db, safety, exchange_view=views.exchange_view,
        state_view=views.state_view, on_lockdown=on_lockdown, clock=clock or ManualClock(),
        **kw,  # type: ignore[arg-type]
    )
    return engine, safety, db, lockdowns


async def reconciliation_rows(db: Database) -> list[dict[str, object]]:
    rows = await db.fetchall(
        "SELECT * FROM institutional_audit WHERE event_type = 'RECONCILIATION' ORDER BY id"
    )
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


FUNDED = {"ZAR": D("100000"), "BTC": D("0")}


async def funded_paper(tmp_path: Path) -> tuple[Database, dict[str, Decimal]]:
    """A paper account: funded 100 000 ZAR, one BUY of 0.01 BTC @ 1 000 000 with a 10 ZAR fee."""
    db = await Database.open(tmp_path / "valr.db")
    await fund(db, "ZAR", "100000")
    await trade(db, "c-buy", "BUY", "1000000", "0.01", fee="10", fee_currency="ZAR")
    expected = {"ZAR": D("89990"), "BTC": D("0.01")}
    await set_wallet(db, expected)
    await db.close()
    return db, expected


# --- deviation -----------------------------------------------------------------------------------
def test_deviation_is_relative_to_the_larger_figure() -> None:
    assert deviation_pct(D("100"), D("99")) == D("1")
    assert deviation_pct(D("99"), D("100")) == D("1")
    assert deviation_pct(D("0"), D("5")) == D("100")


def test_deviation_forgives_zero_dust_and_in_flight_slack() -> None:
    assert deviation_pct(D("0"), D("0")) == 0
    assert deviation_pct(D("0.00000001"), D("0")) == 0  # one unit of dust
    assert deviation_pct(D("0.00000003"), D("0.00000001")) > 0
    assert deviation_pct(D("100"), D("90"), slack=D("10")) == 0
    assert deviation_pct(D("100"), D("90"), slack=D("5")) == D("5")
    assert D("0.00000001") == DUST


# --- runs ------------------------------------------------------------------------------------------
async def test_consistent_paper_account_passes_and_audits_three_views(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views(expected, expected)
    engine, safety, db, lockdowns = await paper_engine(tmp_path, views)
    report = await engine.run_once("recon-1")
    assert report.ok and report.completed
    assert report.max_deviation_pct == 0
    assert report.views["database"] == expected
    assert safety.state is SafetyState.NORMAL and not lockdowns
    rows = await reconciliation_rows(db)
    assert len(rows) == 1
    row = rows[0]
    assert row["severity"] == "INFO" and row["correlation_id"] == "recon-1"
    assert row["state_before"] == row["state_after"] == "NORMAL"
    details = row["details"]
    assert isinstance(details, dict)
    assert details["outcome"] == "OK"
    assert details["views"] == {
        "database": {"BTC": "0.01", "ZAR": "89990"},
        "state": {"BTC": "0.01", "ZAR": "89990"},
        "exchange": {"BTC": "0.01", "ZAR": "89990"},
    }
    assert engine.last_report is report
    await db.close()


async def test_mismatch_above_threshold_locks_down_names_currency_and_figures(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    drifted = {**expected, "ZAR": D("87990")}  # 2 000 ZAR (2.2%) gone from the wallet rows
    db = await Database.open(tmp_path / "valr.db")
    await set_wallet(db, drifted)
    await db.close()
    # DRY_RUN's exchange view is the wallet rows; the state view agrees with the fills here.
    views = Views(drifted, expected)
    engine, safety, db, lockdowns = await paper_engine(tmp_path, views)
    report = await engine.run_once()
    assert not report.ok and report.completed
    assert report.worst_currency == "ZAR"
    assert report.max_deviation_pct > D("2")
    assert safety.state is SafetyState.LOCKDOWN
    assert views.calls == 2  # confirmed by a fresh re-check before acting
    assert len(lockdowns) == 1 and "ZAR" in lockdowns[0] and "R 87,990.00" in lockdowns[0]
    assert "R 89,990.00" in lockdowns[0] and "(2.22% > 1%)" in lockdowns[0]  # money and % formatted
    row = (await reconciliation_rows(db))[-1]
    assert row["severity"] == "CRITICAL"
    assert row["state_before"] == "NORMAL" and row["state_after"] == "LOCKDOWN"
    details = row["details"]
    assert isinstance(details, dict) and details["outcome"] == "MISMATCH" and details["rechecked"]
    assert details["worst_currency"] == "ZAR"
    assert details["views"]["exchange"]["ZAR"] == "87990"
    await db.close()


async def test_lockdown_survives_restart_and_only_unlock_clears_it(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views({**expected, "BTC": D("0.02")}, expected)
    engine, safety, db, _ = await paper_engine(tmp_path, views)
    await engine.run_once()
    assert safety.state is SafetyState.LOCKDOWN
    await db.close()

    db = await Database.open(tmp_path / "valr.db")
    restored = await SafetyController.load(db)
    assert restored.state is SafetyState.LOCKDOWN
    assert "BTC" in restored.reason
    # A clean run afterwards does not clear it: only the operator unlock does.
    views.exchange = dict(expected)
    again = ReconciliationEngine(
        settings_for(tmp_path), db, restored, exchange_view=views.exchange_view,
        state_view=views.state_view, clock=ManualClock(),
    )
    assert (await again.run_once()).ok
    assert restored.state is SafetyState.LOCKDOWN
    await restored.unlock("ops", "wallet repaired", "UNLOCK")
    assert restored.state is SafetyState.NORMAL
    await db.close()


async def test_at_threshold_is_not_a_mismatch(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    await fund(db, "ZAR", "100")
    await db.close()
    views = Views({"ZAR": D("99")}, {"ZAR": D("100")})  # exactly 1%
    engine, safety, db, lockdowns = await paper_engine(tmp_path, views)
    report = await engine.run_once()
    assert report.ok and report.max_deviation_pct == D("1")
    assert safety.state is SafetyState.NORMAL and not lockdowns
    await db.close()


async def test_transient_mismatch_cleared_by_recheck_does_not_lock(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views(expected, expected)
    views.queue.append({**expected, "ZAR": D("50000")})  # a read caught mid-update
    engine, safety, db, lockdowns = await paper_engine(tmp_path, views)
    report = await engine.run_once()
    assert report.ok and views.calls == 2
    assert safety.state is SafetyState.NORMAL and not lockdowns
    row = (await reconciliation_rows(db))[-1]
    assert row["severity"] == "WARNING"
    assert isinstance(row["details"], dict) and row["details"]["rechecked"] is True
    await db.close()


async def test_in_flight_amounts_explain_a_deviation(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    # The exchange already applied a fill the database has not stored yet.
    views = Views({**expected, "ZAR": D("79990")}, expected)

    async def in_flight() -> InFlight:
        return InFlight({"ZAR": D("10000")}, ("c-pending",))

    engine, safety, db, _ = await paper_engine(tmp_path, views, in_flight=in_flight)
    report = await engine.run_once()
    assert report.ok and safety.state is SafetyState.NORMAL
    assert "c-pending" in report.correlation_ids
    await db.close()


async def test_open_orders_are_named_in_the_audit_row(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    db = await Database.open(tmp_path / "valr.db")
    await add_order(db, "c-open", side="SELL", status="OPEN")
    await db.close()
    engine, _, db, _ = await paper_engine(tmp_path, Views(expected, expected))
    report = await engine.run_once()
    assert report.correlation_ids == ("c-open",)
    details = (await reconciliation_rows(db))[-1]["details"]
    assert isinstance(details, dict) and details["correlation_ids"] == ["c-open"]
    await db.close()


async def test_open_orders_compared_with_the_exchange_when_available(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    db = await Database.open(tmp_path / "valr.db")
    await add_order(db, "c-acked", side="SELL", status="OPEN")
    await add_order(db, "c-just-sent", side="SELL", status="SUBMITTED")
    await add_order(db, "c-both", side="SELL", status="PARTIALLY_FILLED")
    safety = await SafetyController.load(db)
    views = Views(expected, expected)

    async def exchange_open_orders() -> list[str]:
        return ["c-both", "c-stranger"]

    engine = ReconciliationEngine(
        settings_for(tmp_path), db, safety, exchange_view=views.exchange_view,
        state_view=views.state_view, exchange_open_orders=exchange_open_orders,
    )
    report = await engine.run_once()
    assert report.ok and safety.state is SafetyState.NORMAL  # reported, not a lockdown
    assert "open orders differ: 1 only on the exchange, 1 missing there" in report.message
    assert "c-stranger" in report.correlation_ids
    row = (await reconciliation_rows(db))[-1]
    assert row["severity"] == "WARNING"
    details = row["details"]
    assert isinstance(details, dict)
    assert details["orders_only_on_exchange"] == ["c-stranger"]
    assert details["orders_missing_on_exchange"] == ["c-acked"]  # SUBMITTED may not show yet
    await db.close()


@pytest.mark.parametrize(
    "error",
    [
        ExchangeUnavailableError("down"),
        MalformedResponseError("bad body"),
        RateLimitedError("429"),
        RuntimeError("bug in a view"),
    ],
)
async def test_three_failures_in_a_row_enter_neutral_and_success_leaves(
    tmp_path: Path, error: Exception
) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views(expected, expected)
    views.queue.extend([error, error, error])
    engine, safety, db, _ = await paper_engine(tmp_path, views)
    for expected_failures in (1, 2):
        report = await engine.run_once()
        assert not report.completed and engine.consecutive_failures == expected_failures
        assert safety.state is SafetyState.NORMAL
    report = await engine.run_once()
    assert not report.completed and engine.consecutive_failures == 3
    assert safety.state is SafetyState.NEUTRAL
    rows = await reconciliation_rows(db)
    assert [r["severity"] for r in rows] == ["WARNING", "WARNING", "CRITICAL"]
    assert rows[-1]["state_after"] == "NEUTRAL"
    assert (await engine.run_once()).ok
    assert safety.state is SafetyState.NORMAL and engine.consecutive_failures == 0
    assert (await reconciliation_rows(db))[-1]["state_after"] == "NORMAL"
    await db.close()


async def test_a_view_that_hangs_is_a_failure_not_a_stuck_run(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views(expected, expected)

    async def hangs() -> dict[str, Decimal]:
        await asyncio.sleep(30)
        return {}

    db = await Database.open(tmp_path / "valr.db")
    safety = await SafetyController.load(db)
    engine = ReconciliationEngine(
        settings_for(tmp_path), db, safety, exchange_view=hangs, state_view=views.state_view,
        timeout_s=0.05,
    )
    report = await engine.run_once()
    assert not report.completed and "TIMEOUT" in report.message
    await db.close()


async def test_run_loop_never_dies_and_keeps_its_interval(tmp_path: Path) -> None:
    _, expected = await funded_paper(tmp_path)
    views = Views(expected, expected)
    views.queue.extend([RuntimeError("boom"), ExchangeUnavailableError("down")])
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 4:
            raise asyncio.CancelledError

    engine, _, db, _ = await paper_engine(tmp_path, views, sleep=fake_sleep)

    async def broken_audit_once() -> None:  # even a crash inside run_once is survived
        raise RuntimeError("disk full")

    original = engine._record
    calls = {"n": 0}

    async def flaky_record(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            await broken_audit_once()
        await original(*args, **kwargs)  # type: ignore[arg-type]

    engine._record = flaky_record  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await engine.run()
    assert sleeps == [30.0] * 4
    assert calls["n"] == 4
    rows = await reconciliation_rows(db)
    assert [r["details"]["outcome"] for r in rows] == ["FAILED", "FAILED", "OK"]  # type: ignore[index]
    await db.close()


# --- LIVE -------------------------------------------------------------------------------------------
async def live_engine(
    tmp_path: Path, views: Views, clock: ManualClock
) -> tuple[ReconciliationEngine, SafetyController, Database]:
    db = await Database.open(tmp_path / "valr.db")
    safety = await SafetyController.load(db, clock)
    engine = ReconciliationEngine(
        live_settings(tmp_path), db, safety, exchange_view=views.exchange_view,
        state_view=views.state_view, clock=clock,
    )
    return engine, safety, db


async def test_live_baseline_then_fills_then_drift_locks_down(tmp_path: Path) -> None:
    clock = ManualClock()
    start = {"ZAR": D("50000"), "BTC": D("0.1")}
    views = Views(start, start)
    engine, safety, db = await live_engine(tmp_path, views, clock)
    first = await engine.run_once()
    assert first.ok
    rows = await reconciliation_rows(db)
    assert isinstance(rows[0]["details"], dict) and rows[0]["details"]["baseline_taken"] is True

    # A LIVE fill after the baseline moves the database view exactly as it moves VALR's.
    clock.advance(10)
    await trade(db, "c-live", "SELL", "1000000", "0.05", fee="50", fee_currency="ZAR", mode="LIVE",
                at=int(clock() * 1000))
    after = {"ZAR": D("99950"), "BTC": D("0.05")}
    views.exchange = dict(after)
    views.state = dict(after)
    clock.advance(10)
    second = await engine.run_once()
    assert second.ok, second.message
    assert second.views["database"] == after

    # Money leaves the account outside the app: confirmed mismatch, LOCKDOWN.
    views.exchange = {**after, "ZAR": D("49950")}
    views.state = dict(views.exchange)
    third = await engine.run_once()
    assert not third.ok and safety.state is SafetyState.LOCKDOWN
    assert third.worst_currency == "ZAR"

    # The operator's unlock accepts the exchange's figures as the new baseline.
    clock.advance(10)
    await safety.unlock("ops", "withdrawal was mine", "UNLOCK")
    clock.advance(10)
    fourth = await engine.run_once()
    assert fourth.ok and safety.state is SafetyState.NORMAL
    assert fourth.views["database"] == views.exchange
    await db.close()


async def test_live_fills_not_yet_stored_are_in_flight_not_a_mismatch(tmp_path: Path) -> None:
    clock = ManualClock()
    start = {"ZAR": D("10000"), "BTC": D("0")}
    views = Views(start, start)
    engine, safety, db = await live_engine(tmp_path, views, clock)
    assert (await engine.run_once()).ok  # baseline
    now = int(clock() * 1000)
    await add_order(db, "c-resting", price="500000", quantity="0.01", mode="LIVE", status="OPEN", at=now)
    # VALR filled it (5 000 ZAR, half the account) before the order sync stored the fill.
    views.exchange = {"ZAR": D("5000"), "BTC": D("0.00999")}
    views.state = dict(views.exchange)
    report = await engine.run_once()
    assert report.ok, report.message
    assert "c-resting" in report.correlation_ids
    # The sync saw the status first (FILLED) but not the fills: still explained, for a while.
    await db.execute("UPDATE trading_orders SET status = 'FILLED', filled_quantity = '0.01',"
                     " updated_at = ? WHERE correlation_id = 'c-resting'", (now,))
    assert (await engine.run_once()).ok
    # Ten minutes on, an order with no fills stored no longer explains anything.
    clock.advance(601)
    report = await engine.run_once()
    assert not report.ok and safety.state is SafetyState.LOCKDOWN
    await db.close()


async def test_live_stored_fills_leave_nothing_in_flight(tmp_path: Path) -> None:
    clock = ManualClock()
    start = {"ZAR": D("10000"), "BTC": D("0")}
    views = Views(start, start)
    engine, safety, db = await live_engine(tmp_path, views, clock)
    assert (await engine.run_once()).ok
    clock.advance(1)
    now = int(clock() * 1000)
    order_id = await add_order(db, "c-done", price="500000", quantity="0.01", mode="LIVE", at=now)
    await db.execute("UPDATE trading_orders SET filled_quantity = '0.01' WHERE id = ?", (order_id,))
    await add_fill(db, order_id, "c-done", price="500000", quantity="0.01", fee="0.00001",
                   fee_currency="BTC", mode="LIVE", at=now)
    views.exchange = {"ZAR": D("5000"), "BTC": D("0.00999")}
    views.state = dict(views.exchange)
    report = await engine.run_once()
    assert report.ok and report.max_deviation_pct == 0
    assert report.correlation_ids == ()  # settled: nothing in flight
    # With nothing in flight, a drift of 2% is caught at once.
    views.exchange = {"ZAR": D("4900"), "BTC": D("0.00999")}
    assert not (await engine.run_once()).ok and safety.state is SafetyState.LOCKDOWN
    await db.close()


# --- zero false lockdowns ---------------------------------------------------------------------------
async def test_a_thousand_consistent_paper_fills_never_lock_down(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    db = await Database.open(tmp_path / "valr.db")
    await fund(db, "ZAR", "1000000")
    await fund(db, "BTC", "0.5")
    await fund(db, "ETH", "2")
    balances: dict[str, Decimal] = {"ZAR": D("1000000"), "BTC": D("0.5"), "ETH": D("2")}
    await set_wallet(db, balances)
    state = dict(balances)

    async def exchange_view() -> dict[str, Decimal]:
        rows = await db.fetchall("SELECT currency, total FROM paper_wallet")
        return {r["currency"]: D(r["total"]) for r in rows}

    safety = await SafetyController.load(db)
    engine = ReconciliationEngine(
        settings_for(tmp_path), db, safety, exchange_view=exchange_view,
        state_view=lambda: dict(state), clock=ManualClock(),
    )
    reports = []
    for n in range(1000):
        pair = rng.choice(["BTCZAR", "ETHZAR"])
        base = pair[:3]
        side = rng.choice(["BUY", "SELL"])
        price = D(rng.randint(20_000_000, 120_000_000)) / 100  # cents
        quantity = D(rng.randint(1, 200_000)) / D(10**8)
        fee_rate = D("0.001")
        if side == "BUY":
            fee, fee_currency = (quantity * fee_rate).quantize(D("1e-8")), base
        else:
            fee, fee_currency = (price * quantity * fee_rate).quantize(D("0.01")), "ZAR"
        # What a paper engine does to its wallet, written out independently of apply_fills.
        notional = (price * quantity).quantize(D("0.01"))  # settled to the cent
        if side == "BUY":
            balances[base] += quantity - fee
            balances["ZAR"] -= notional
        else:
            balances[base] -= quantity
            balances["ZAR"] += notional - fee
        async with db.transaction() as tx:  # order, fill and wallet commit together, as in the app
            cursor = await tx.execute(
                "INSERT INTO trading_orders (correlation_id, customer_order_id, pair, side, price,"
                " quantity, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'FILLED', ?, ?)",
                (f"c{n}", f"c{n}", pair, side, to_text(price), to_text(quantity), T0_MS + n, T0_MS + n),
            )
            await tx.execute(
                "INSERT INTO order_fills (order_id, correlation_id, execution_mode, trade_id, pair,"
                " side, price, quantity, fee, fee_currency, traded_at)"
                " VALUES (?, ?, 'DRY_RUN', ?, ?, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, f"c{n}", f"t{n}", pair, side, to_text(price), to_text(quantity),
                 to_text(fee), fee_currency, T0_MS + n),
            )
            for currency in (base, "ZAR"):
                await tx.execute("UPDATE paper_wallet SET total = ? WHERE currency = ?",
                                 (to_text(balances[currency]), currency))
        state = dict(balances)
        if n % 50 == 49:
            reports.append(await engine.run_once())
    assert len(reports) == 20
    assert all(r.ok for r in reports), [r.message for r in reports if not r.ok]
    assert safety.state is SafetyState.NORMAL
    assert len(await reconciliation_rows(db)) == 20
    await db.close()

