"""Logging with redaction: registered secrets and signature-shaped strings never reach a log."""

from __future__ import annotations

import json
import logging
import re
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

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
    """Remember a credential so every log record is scrubbed of it."""
    if len(value) >= _MIN_SECRET_LEN:
        # Also the escaped spellings: logging a dict shows repr() of its strings, and a JSON
        # body shows json escapes, so a secret with a quote or backslash would slip through.
        forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1]}
        with _lock:
            _secrets.update(forms)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _REDACTED)
    text = _HEADER_RE.sub(lambda m: m.group(1) + _REDACTED, text)
    return _SIG_RE.sub(_REDACTED, text)


class RedactingFilter(logging.Filter):
    """Renders the record once, scrubs it, and freezes the result into ``msg``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            formatter = logging.Formatter()
            message = f"{message}\n{formatter.formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def configure_logging(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    """Log to a rotating file (never to the terminal the TUI owns)."""
    root = logging.getLogger("valr_tui")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(log_path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    else:
        handler = logging.NullHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.propagate = True
    return root


def install_redaction_everywhere() -> None:
    """Attach the filter to every handler of the root logger (e.g. pytest's capture)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
