"""Request signing: ``VALRSigner.sign`` against a bare ``hmac.new(secret, msg, sha512).hexdigest()``
of the same message, same process.

The bare call is the floor (the HMAC itself with a pre-encoded key and message); ours adds building
the message from its parts (f-string, encode, subaccount), revealing the ``Secret`` and encoding
it. Two payloads: a GET with no body (balances) and a POST of a limit order body.

ratio = ours / bare: 1.0 would be free wrapping; the overhead per request is ``ours - bare`` µs.

Run: ``.venv/bin/python -m benchmarks --only peer_signer``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from benchmarks._common import pick, ratio
from valr_tui.exchange.hmac_signer import VALRSigner

SECRET = "4961b74efac86b25cce8fbe4c9811c4c7a787b7a5996660afcc2e287ad864363"
TIMESTAMP_MS = 1_760_000_000_000
REPEATS = 7
CASES: dict[str, tuple[str, str, str]] = {
    "get": ("GET", "/v1/account/balances", ""),
    "post": (
        "POST",
        "/v1/orders/limit",
        '{"side":"BUY","quantity":"0.00100000","price":"1000000","pair":"BTCZAR",'
        '"postOnly":true,"customerOrderId":"vt-0123456789abcdef","timeInForce":"GTC"}',
    ),
}


def _best_us(ours: Callable[[], str], bare: Callable[[], str], calls: int) -> tuple[float, float]:
    """Best µs per call of each side; the sides alternate so machine drift hits both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for side, call in enumerate((ours, bare)):
            started = time.perf_counter()
            for _ in range(calls):
                call()
            best[side] = min(best[side], time.perf_counter() - started)
    return best[0] / calls * 1e6, best[1] / calls * 1e6


def run() -> dict[str, object]:
    calls = pick(40_000, 10_000)
    signer = VALRSigner("bench-api-key", SECRET)
    key = SECRET.encode()
    result: dict[str, object] = {"name": "hmac_signer_vs_bare_hmac", "calls_per_repeat": calls}
    ratios = []
    for case, (method, path, body) in CASES.items():
        message = f"{TIMESTAMP_MS}{method}{path}{body}".encode()
        ours_sig = signer.sign(TIMESTAMP_MS, method, path, body)
        bare_sig = hmac.new(key, message, hashlib.sha512).hexdigest()
        assert ours_sig == bare_sig, "the two sides must compute the same signature"
        ours, bare = _best_us(
            lambda: signer.sign(TIMESTAMP_MS, method, path, body),  # noqa: B023 (used at once)
            lambda: hmac.new(key, message, hashlib.sha512).hexdigest(),  # noqa: B023
            calls,
        )
        result[f"{case}_ours_us"] = round(ours, 3)
        result[f"{case}_bare_hmac_us"] = round(bare, 3)
        result[f"{case}_ours_per_s"] = round(1e6 / ours)
        result[f"{case}_bare_hmac_per_s"] = round(1e6 / bare)
        result[f"{case}_ratio"] = ratio(ours, bare)
        ratios.append(ours / bare)
    # Wrapping must stay cheap next to the HMAC itself: at most twice the bare call.
    result["passed"] = max(ratios) < 2.0
    return result


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
