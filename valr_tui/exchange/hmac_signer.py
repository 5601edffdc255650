"""HMAC-SHA512 request signing exactly as VALR specifies.

message = timestamp_ms + VERB + path(with query) + body + subaccount_id
signature = hex(HMAC-SHA512(secret_utf8, message))   (lower case, 128 chars; never base64)
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from valr_tui.errors import ConfigError, MissingCredentialsError
from valr_tui.logging_setup import register_secret
from valr_tui.secrets import Secret

API_KEY_HEADER = "X-VALR-API-KEY"
SIGNATURE_HEADER = "X-VALR-SIGNATURE"
TIMESTAMP_HEADER = "X-VALR-TIMESTAMP"
SUBACCOUNT_HEADER = "X-VALR-SUB-ACCOUNT-ID"


def compute_signature(
    secret: str, timestamp_ms: int | str, method: str, path: str, body: str | bytes = "",
    subaccount_id: str = "",
) -> str:
    """The one implementation of VALR's signature, shared by the client and the simulator."""
    body_bytes = body.encode() if isinstance(body, str) else body
    message = (
        f"{timestamp_ms}{method.upper()}{path}".encode() + body_bytes + subaccount_id.encode()
    )
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha512).hexdigest()


class VALRSigner:
    """Signs requests. The secret lives in a ``Secret``: repr/str/logs never show it."""

    __slots__ = ("_api_key", "_api_secret", "_clock_ms")

    def __init__(
        self,
        api_key: str | Secret,
        api_secret: str | Secret,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        secret = api_secret if isinstance(api_secret, Secret) else Secret(api_secret)
        if not key or not secret:
            raise MissingCredentialsError()
        self._api_key = key
        self._api_secret = secret
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        register_secret(key.reveal())
        register_secret(secret.reveal())

    def sign(
        self, timestamp_ms: int | str, method: str, path: str, body: str | bytes = "",
        subaccount_id: str = "",
    ) -> str:
        # Not registered with the log redactor: one per request would grow its list forever, and
        # every 128-hex string is redacted by shape anyway.
        return compute_signature(
            self._api_secret.reveal(), timestamp_ms, method, path, body, subaccount_id
        )

    def headers(
        self, method: str, path: str, body: str | bytes = "", subaccount_id: str = ""
    ) -> dict[str, str]:
        """Fresh-timestamp headers for one request; ``path`` includes the query string."""
        # httpx and websockets encode header values as ASCII: anything else would end the request
        # in an uncoded UnicodeEncodeError whose traceback holds the credentials.
        if not self._api_key.reveal().isascii():
            raise ConfigError("VALR_API_KEY must be printable ASCII", key="VALR_API_KEY")
        if subaccount_id and not (subaccount_id.isascii() and subaccount_id.isdigit()):
            raise ConfigError("VALR_SUBACCOUNT_ID must be a VALR sub-account id (digits only)",
                              key="VALR_SUBACCOUNT_ID")
        ts = str(self._clock_ms())
        headers = {
            API_KEY_HEADER: self._api_key.reveal(),
            SIGNATURE_HEADER: self.sign(ts, method, path, body, subaccount_id),
            TIMESTAMP_HEADER: ts,
        }
        if subaccount_id:
            headers[SUBACCOUNT_HEADER] = subaccount_id
        return headers

    def __repr__(self) -> str:
        return "VALRSigner(api_key=Secret('***'), api_secret=Secret('***'))"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        # A pickled signer would either carry the secret to disk or come back unable to sign.
        raise TypeError("VALRSigner holds credentials and cannot be pickled or copied")
