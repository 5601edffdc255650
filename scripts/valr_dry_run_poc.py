#!/usr/bin/env python3
"""Headless proof of the whole pipeline, DRY_RUN only.

1. fetch the BTCZAR ticker (from --base-url; by default an embedded simulator on loopback, so it
   runs with no network and no account),
2. show the Decimal Gateway's conversions of what arrived,
3. simulate a LIMIT order through the order manager (a DRY_ id; nothing sent to VALR),
4. run a reconciliation check and print its verdict,
5. print the ZAR values formatted.

Exit code 0 on success, 1 when any step fails (with the coded error on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from valr_tui.config import Settings, load_settings
from valr_tui.errors import ValrTuiError
from valr_tui.launcher import EmbeddedSimulator
from valr_tui.money.decimal_gateway import CRYPTO_PRECISION, ZAR_PRECISION, DecimalGateway
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest

G = DecimalGateway
PAIR = "BTCZAR"
ORDER_ZAR = Decimal("1000")  # the simulated order's approximate value


@contextlib.contextmanager
def exchange(base_url: str | None, settings: Settings, db_dir: str) -> Iterator[Settings]:
    """The user's settings pointed at --base-url, or at a fresh embedded simulator."""
    dry_run = {"execution_mode": "DRY_RUN", "live_trading_confirmed": False,
               "db_path": str(Path(db_dir) / "poc.db")}
    if base_url:
        ws_url = base_url.replace("https://", "wss://").replace("http://", "ws://")
        yield settings.with_overrides(base_url=base_url.rstrip("/"), ws_url=ws_url, **dry_run)
        return
    with EmbeddedSimulator(seed=42) as sim:
        yield sim.demo_settings(settings, db_dir).with_overrides(**dry_run)


def line(label: str, value: object) -> None:
    print(f"  {label:<28} {value}")


async def prove(settings: Settings) -> None:
    engine = TradingEngine(settings, use_stream=False)
    await engine.start()
    try:
        print(f"1. Ticker {PAIR} from {settings.base_url}")
        ticker = await engine.client.get_ticker(PAIR)
        line("bid / ask / last (raw)", f"{ticker.bid!r} / {ticker.ask!r} / {ticker.last!r}")
        line("spread %", G.quantize(ticker.spread_pct, Decimal("0.0001")))

        print("2. Decimal Gateway")
        for raw in ("1234567.885", "0.015", "12345678901234567890.12345678"):
            line(f"to_decimal({raw!r}, ZAR)", G.to_decimal(raw, ZAR_PRECISION))
        line("to_decimal('0.123456789', BTC)", G.to_decimal("0.123456789", CRYPTO_PRECISION))
        for hostile in (0.1, "NaN", "1e5x"):
            try:
                G.to_decimal(hostile)
            except ValrTuiError as exc:
                line(f"to_decimal({hostile!r})", f"refused: {exc.code}")

        print("3. A simulated LIMIT order (DRY_RUN: nothing is sent to VALR)")
        await engine.wait_until_trading_ready()
        pair = engine.pair_metadata(PAIR)
        price = G.quantize(ticker.bid * Decimal("0.99") / pair.tick_size, Decimal(1)) * pair.tick_size
        quantity = G.truncate(G.divide(ORDER_ZAR, price), pair.base_decimal_places)
        result = await engine.submit(OrderRequest(PAIR, "BUY", price, quantity, note="PoC"))
        line("order id", result.order_id)
        line("correlation id", result.correlation_id)
        line("state", result.state.value)
        line("price x quantity", f"{G.format_zar(price)} x {G.format_crypto(quantity)}")

        print("4. Reconciliation (database <-> app state <-> paper wallet)")
        report = await engine.reconcile_now()
        line("verdict", "OK" if report.ok else "MISMATCH")
        line("max deviation %", report.max_deviation_pct)
        line("safety state", engine.safety_status().state.value)
        if not report.ok:
            raise ValrTuiError(f"reconciliation failed: {report.message}")

        print("5. ZAR values")
        line("order value", G.format_zar(price * quantity))
        line("last traded", G.format_zar(ticker.last))
        for balance in await engine.balances():
            if balance.currency == "ZAR":
                line("paper ZAR available", G.format_zar(balance.available))
                line("paper ZAR reserved", G.format_zar(balance.reserved))
    finally:
        await engine.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="VALR REST base URL (default: an embedded simulator)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        with tempfile.TemporaryDirectory(prefix="valr-poc-") as db_dir, exchange(
            args.base_url, settings, db_dir
        ) as poc_settings:
            asyncio.run(prove(poc_settings))
    except ValrTuiError as exc:
        print(f"PoC failed: {exc}", file=sys.stderr)
        return 1
    print("PoC OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
