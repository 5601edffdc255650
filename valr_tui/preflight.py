"""Checks made once before the dashboard takes over the terminal, so a mistake in the settings ends
start-up with one coded line (exit 2) instead of a screen that cannot trade."""

from __future__ import annotations

import asyncio
import logging

from valr_tui.config import Settings
from valr_tui.errors import UnlistedPairError, ValrTuiError
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.trading.market_rules import watched_pairs

log = logging.getLogger(__name__)

PREFLIGHT_TIMEOUT_S = 3.0


async def check_pairs(settings: Settings, timeout_s: float = PREFLIGHT_TIMEOUT_S) -> None:
    """``UnlistedPairError`` (VALR-CFG-010) when VALR does not list a configured pair or lists it
    as inactive, or a ZAR rate pair the configured ones need (BTCUSDC -> USDCZAR). A VALR that
    does not answer in time is left to the engine, which retries and shows the outage: an
    offline start must still open the dashboard."""
    client = VALRClient(settings.base_url, timeout=timeout_s, max_retries=0)
    try:
        listed = await asyncio.wait_for(client.get_pairs(), timeout_s)
    except (ValrTuiError, TimeoutError) as exc:
        log.warning("pair check skipped: VALR's pair list is unavailable (%s)", type(exc).__name__)
        return
    finally:
        await client.aclose()
    watched_pairs(settings.pairs, listed)
    try:
        watched_pairs(settings.rate_pairs, listed)
    except UnlistedPairError as exc:  # not typed by the user: say why it is wanted
        raise UnlistedPairError(
            f"{exc.message}: the ZAR rate MAX_ORDER_ZAR needs for the pairs quoted in other currencies",
            **exc.details,
        ) from None


def check_pairs_now(settings: Settings) -> None:
    asyncio.run(check_pairs(settings))
