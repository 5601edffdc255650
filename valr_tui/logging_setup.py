"""Logging with redaction: registered secrets and signature-shaped strings never reach a log."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

_REDACTED = "[REDACTED]"
_lock = threading.Lock()
_secrets: set[str] = set()
# Header values that carry credentials, whatever the value is.
_HEADER_RE = re.compile(
    r"(?i)(x-valr-(?:api-key|signature)['\"]?\s*[:=]\s*['\"]?)([^'\"\s,}]+)"
)
# A bare 128-hex-digit string is an HMAC-SHA512 signature.
_SIG_RE = re.compile(r"\b[0-9a-fA-F]{128}\b")
_MIN_SECRET_LEN = 4  # shorter strings would redact ordinary words


def register_secret(value: str) -> None:
    """Remember a credential so every log record is scrubbed of it, from any logger."""
    if len(value) >= _MIN_SECRET_LEN:
        # Also the escaped spellings: logging a dict shows repr() of its strings, and a JSON
        # body shows json escapes, so a secret with a quote or backslash would slip through.
        forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1]}
        with _lock:
            _secrets.update(forms)
        install_redaction_everywhere()


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _REDACTED)
    text = _HEADER_RE.sub(lambda m: m.group(1) + _REDACTED, text)
    return _SIG_RE.sub(_REDACTED, text)


def scrub_record(record: logging.LogRecord) -> None:
    """Render the record once, scrub it, and freeze the result into ``msg``; the traceback goes
    into ``exc_text`` already scrubbed (every ``logging.Formatter`` prints ``exc_text`` as is)."""
    if getattr(record, "_valr_scrubbed", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not hide the record, nor leak its args
        message = f"{record.msg!s} (unformattable arguments)"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._valr_scrubbed = True


class RedactingFilter(logging.Filter):
    """Scrubs every record that passes through the logger or handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


class _RedactingRecordFactory:
    """Wraps the record factory so every record, from any logger (httpx, websockets...), is
    scrubbed when it is made: handlers a host program adds later (``logging.basicConfig``) see
    only redacted text."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        scrub_record(record)
        return record


_CRASH_LINE_CHARS = 300


def crash_line(exc: BaseException) -> str:
    """One redacted line for an error that reached the app boundary (CLI or dashboard): a coded
    error as ``[CODE] message``, anything else as VALR-GEN-001 naming its type. Never locals."""
    from valr_tui.errors import ValrTuiError  # errors is a leaf module; keep this one importable alone

    if isinstance(exc, ValrTuiError):
        text = f"[{exc.code}] {exc.message}"
    else:
        text = f"[{ValrTuiError.code}] unexpected {type(exc).__name__}: {exc}; the log has the details"
    flat = " ".join(redact(text).split())  # redact first, then flatten and cut
    return flat if len(flat) <= _CRASH_LINE_CHARS else flat[: _CRASH_LINE_CHARS - 3] + "..."


def _open_log_file(log_path: str) -> logging.Handler:
    """The rotating log file; a path the app cannot write is a configuration error (one line,
    exit 2), not a traceback from deep inside ``logging``."""
    from valr_tui.errors import ConfigError

    try:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        return RotatingFileHandler(log_path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"VALR_LOG_PATH {log_path!r} cannot be written: {reason}") from None


def configure_logging(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    """Log to a rotating file (never to the terminal the TUI owns)."""
    root = logging.getLogger("valr_tui")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler = _open_log_file(log_path) if log_path else logging.NullHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.propagate = True
    install_redaction_everywhere()
    return root


def _add_filter(target: logging.Filterer) -> None:
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def install_redaction_everywhere() -> None:
    """Scrub every record: the record factory (all loggers, handlers added later included), and a
    filter on the root logger, its handlers and the app's logger's handlers. Idempotent."""
    with _lock:
        factory = logging.getLogRecordFactory()
        if not isinstance(factory, _RedactingRecordFactory):
            logging.setLogRecordFactory(_RedactingRecordFactory(factory))
    root = logging.getLogger()
    _add_filter(root)
    for logger in (root, logging.getLogger("valr_tui")):
        for handler in logger.handlers:
            _add_filter(handler)
