"""Request authentication exactly as VALR checks it: API key, Content-Type on bodies, timestamp
window, replay, and the HMAC-SHA512 signature recomputed from the raw path+query and raw body."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from valr_tui.exchange.hmac_signer import (
    API_KEY_HEADER,
    SIGNATURE_HEADER,
    SUBACCOUNT_HEADER,
    TIMESTAMP_HEADER,
    compute_signature,
)
from valr_tui.secrets import Secret
from valr_tui.trading.clock import Clock

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True, slots=True)
class AuthFailure:
    status: int
    code: int
    message: str


MISSING_KEY = AuthFailure(403, -11, "Forbidden: the X-VALR-API-KEY header is missing")
MISSING_CONTENT_TYPE = AuthFailure(403, -11, "Forbidden: Content-Type must be application/json")
UNKNOWN_KEY = AuthFailure(401, -11251, "API key is invalid")
BAD_TIMESTAMP = AuthFailure(400, -11, "X-VALR-TIMESTAMP must be Unix time in milliseconds")
STALE_TIMESTAMP = AuthFailure(401, -11, "Request timestamp is outside the accepted window")
REPLAYED = AuthFailure(401, -11, "Request timestamp has already been used with this signature")
BAD_SIGNATURE = AuthFailure(401, -11252, "Request has an invalid signature")


class Authenticator:
    """Checks signed requests for one API key. The secret stays inside a ``Secret``."""

    def __init__(self, api_key: str, api_secret: Secret, clock: Clock, window_s: float = 30.0) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._clock = clock
        self._window_ms = int(window_s * 1000)
        # Seen (timestamp, signature) pairs inside the window: an identical request replayed is
        # refused, while two different requests signed in the same millisecond both pass.
        self._seen: dict[tuple[int, str], int] = {}

    def check(
        self, method: str, path_with_query: str, body: bytes, headers: Mapping[str, str]
    ) -> AuthFailure | None:
        """``None`` when the request is authentic, else why not (in VALR's order of checks)."""
        api_key = headers.get(API_KEY_HEADER.lower(), "")
        if not api_key:
            return MISSING_KEY
        needs_json = method in BODY_METHODS or (method == "DELETE" and body)
        if needs_json and not headers.get("content-type", "").lower().startswith("application/json"):
            return MISSING_CONTENT_TYPE
        if not hmac.compare_digest(api_key.encode(), self._api_key.encode()):
            return UNKNOWN_KEY
        raw_timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        if not raw_timestamp.isascii() or not raw_timestamp.isdigit():
            return BAD_TIMESTAMP
        timestamp = int(raw_timestamp)
        now_ms = int(self._clock() * 1000)
        if abs(now_ms - timestamp) > self._window_ms:
            return STALE_TIMESTAMP
        expected = compute_signature(
            self._api_secret.reveal(), raw_timestamp, method, path_with_query, body,
            headers.get(SUBACCOUNT_HEADER.lower(), ""),
        )
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return BAD_SIGNATURE
        self._forget_before(now_ms - self._window_ms)
        if (timestamp, signature) in self._seen:
            return REPLAYED
        self._seen[(timestamp, signature)] = timestamp
        return None

    def _forget_before(self, oldest_ms: int) -> None:
        if len(self._seen) > 256:
            self._seen = {key: ts for key, ts in self._seen.items() if ts >= oldest_ms}
