"""One exception hierarchy with stable codes.

Every error a trader or operator can meet carries a code (``VALR-XXX-NNN``) that is listed in
the README. Messages never contain credentials: callers pass only public facts.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ValrTuiError(Exception):
    """Base of every error raised by valr-tui. ``code`` is stable; ``message`` is for humans."""

    code: ClassVar[str] = "VALR-GEN-001"
    meaning: ClassVar[str] = "Unexpected internal error"

    def __init__(self, message: str = "", *, code: str | None = None, **details: Any) -> None:
        self.message = message or self.meaning
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.details = details
        super().__init__(f"[{self.code}] {self.message}")


# --- configuration and security -------------------------------------------------------------
class ConfigError(ValrTuiError):
    code = "VALR-CFG-001"
    meaning = "A configuration value is malformed or out of range"


class UnlistedPairError(ConfigError):
    code = "VALR-CFG-010"
    meaning = "PAIRS names a pair VALR does not list, or lists as inactive"


class UnknownSettingError(ConfigError):
    code = "VALR-CFG-011"
    meaning = "A key in .env (or a VALR_ environment variable) is not a valr-tui setting"


class MissingCredentialsError(ValrTuiError):
    code = "VALR-SEC-001"
    meaning = "VALR_API_KEY and VALR_API_SECRET must both be set for authenticated calls"


class LiveTradingNotConfirmedError(ValrTuiError):
    code = "VALR-SEC-002"
    meaning = "EXECUTION_MODE=LIVE requires LIVE_TRADING_CONFIRMED=true"


# --- money --------------------------------------------------------------------------------------
class DecimalError(ValrTuiError):
    code = "VALR-DEC-001"
    meaning = "Value is not an exact decimal number (floats, NaN, infinity and garbage are refused)"


# --- order validation -------------------------------------------------------------------------
class OrderRejected(ValrTuiError):
    """Base for every reason an order is refused before anything is sent."""

    code = "VALR-ORD-000"
    meaning = "Order rejected"


class MarketOrderRejected(OrderRejected):
    code = "VALR-ORD-001"
    meaning = "Only LIMIT orders are allowed; MARKET orders are rejected"


class InvalidSideError(OrderRejected):
    code = "VALR-ORD-002"
    meaning = "Side must be BUY or SELL"


class PriceBandError(OrderRejected):
    code = "VALR-ORD-011"
    meaning = "Price is further than PRICE_BAND_PCT from the mid (fat-finger protection)"


class UnknownPairError(OrderRejected):
    code = "VALR-ORD-003"
    meaning = "Unknown or inactive currency pair"


class InvalidPriceError(OrderRejected):
    code = "VALR-ORD-004"
    meaning = "Price must be a positive number that is a multiple of the tick size"


class InvalidQuantityError(OrderRejected):
    code = "VALR-ORD-005"
    meaning = "Quantity must be positive with no more decimals than the pair allows"


class BelowMinimumError(OrderRejected):
    code = "VALR-ORD-006"
    meaning = "Order is below VALR's minimum size or minimum total"


class OrderLimitExceeded(OrderRejected):
    code = "VALR-ORD-007"
    meaning = "Order value exceeds MAX_ORDER_ZAR"


class InsufficientBalanceError(OrderRejected):
    code = "VALR-ORD-008"
    meaning = "Insufficient available balance"


class InvalidPostOnlyError(OrderRejected):
    code = "VALR-ORD-010"
    meaning = "post_only must be the boolean True or False"


class OrderNotFoundError(ValrTuiError):
    code = "VALR-ORD-009"
    meaning = "No such order"


class AmbiguousCorrelationIdError(ValrTuiError):
    code = "VALR-ORD-021"
    meaning = "The correlation id prefix fits more than one order: give more of it"


class OrderOutcomeUnknownError(OrderRejected):
    code = "VALR-ORD-020"
    meaning = "An earlier order on this pair has an unknown outcome: new orders wait until it is resolved"


class InvalidTimeInForceError(OrderRejected):
    code = "VALR-ORD-030"
    meaning = "Time in force must be GTC, IOC or FOK; a post-only order must be GTC"


class AmendRefusedError(OrderRejected):
    code = "VALR-ORD-031"
    meaning = "The order cannot be amended: it is finished, unchanged, or the venue refused the modify"


class SpreadTooWideError(OrderRejected):
    code = "VALR-MKT-001"
    meaning = "Spread exceeds MAX_SPREAD_PCT"


class StaleMarketDataError(OrderRejected):
    code = "VALR-MKT-002"
    meaning = "Market data is stale or missing"


class NoZarRateError(OrderRejected):
    code = "VALR-MKT-003"
    meaning = "No fresh ZAR rate for the quote currency: MAX_ORDER_ZAR cannot be checked"


class TradingHaltedError(OrderRejected):
    code = "VALR-SAF-001"
    meaning = "Trading is halted by the safety state"


class UnlockRefused(ValrTuiError):
    code = "VALR-SAF-002"
    meaning = "Unlock refused: type the confirmation phrase exactly and give a reason"


class EngineNotReady(ValrTuiError):
    """Raised by calls that need the engine's services before ``start()`` has built them."""

    code = "VALR-ENG-001"
    meaning = "The engine is still starting: try again when the market data is loaded"


# --- exchange ---------------------------------------------------------------------------------
class RateLimitedError(ValrTuiError):
    code = "VALR-RATE-001"
    meaning = "Rate limited (HTTP 429 or client budget exhausted)"


class ExchangeError(ValrTuiError):
    """VALR answered with an error. ``valr_code`` is VALR's own negative code when present."""

    code = "VALR-EXC-001"
    meaning = "The exchange rejected the request"

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        valr_code: int | None = None,
        code: str | None = None,
        **details: Any,
    ) -> None:
        self.status = status
        self.valr_code = valr_code
        super().__init__(message, code=code, status=status, valr_code=valr_code, **details)


class ExchangeUnavailableError(ExchangeError):
    code = "VALR-EXC-002"
    meaning = "The exchange is unreachable, timed out or answered 5xx"


class MalformedResponseError(ExchangeError):
    code = "VALR-EXC-003"
    meaning = "The exchange answered with a body that is not the expected JSON shape"


class AuthenticationError(ExchangeError):
    code = "VALR-EXC-004"
    meaning = "The exchange refused the credentials or signature"


class ExchangeDeadlineError(ExchangeUnavailableError):
    code = "VALR-EXC-005"
    meaning = "A request to the exchange did not complete within its overall deadline"


class ResponseTooLargeError(MalformedResponseError):
    code = "VALR-EXC-006"
    meaning = "The exchange's response was larger than the size cap and was refused unread"


# --- reconciliation / storage -----------------------------------------------------------------
class ReconciliationError(ValrTuiError):
    code = "VALR-REC-001"
    meaning = "Reconciliation could not complete"


class ReconciliationMismatch(ValrTuiError):
    code = "VALR-REC-002"
    meaning = "Reconciliation found a mismatch above RECON_MISMATCH_PCT"


class StorageError(ValrTuiError):
    code = "VALR-DB-001"
    meaning = "The database failed or a migration could not be applied"
    # A sticky fault (the file is gone, replaced or corrupt) outlives any later success.
    sticky: ClassVar[bool] = False


class StorageFullError(StorageError):
    code = "VALR-DB-002"
    meaning = "The disk holding the database is full: nothing more can be stored"


class StorageReadOnlyError(StorageError):
    code = "VALR-DB-003"
    meaning = "The database is read-only or not writable: nothing more can be stored"


class StorageLostError(StorageError):
    code = "VALR-DB-004"
    meaning = "The database file was deleted, replaced or corrupted while the app was running"
    sticky = True


class DatabaseInUseError(StorageError):
    code = "VALR-DB-010"
    meaning = "Another running instance holds this database; only one process may write it"


class SchemaTooNewError(StorageError):
    code = "VALR-DB-011"
    meaning = "The database was written by a newer version of valr-tui (schema newer than this app knows)"


class DatabaseMissingError(StorageError):
    code = "VALR-DB-013"
    meaning = "No database at the configured path: set VALR_DB_PATH or run the app first"


class SafetyStateConflict(StorageError):
    code = "VALR-DB-012"
    meaning = "The persisted safety state changed under this process; the stored state wins"


# --- alerts -----------------------------------------------------------------------------------
class AlertError(ValrTuiError):
    code = "VALR-ALR-001"
    meaning = "Alert not understood: give a price (1300000) or a move (5%)"


def all_error_classes() -> list[type[ValrTuiError]]:
    """Every error class, for the README table and the uniqueness test."""
    seen: list[type[ValrTuiError]] = []
    stack: list[type[ValrTuiError]] = [ValrTuiError]
    while stack:
        cls = stack.pop(0)
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
