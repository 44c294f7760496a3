"""The JSON-lines mirror of the audit log for the organisation's log collector (SPEC §5.4).

One line per committed audit event in ``<log dir>/nozei-audit.jsonl`` (append,
mode 0640). The database chain is authoritative; the mirror is a copy for
collectors, so it must never carry secrets, plaintext personal values or
exception locals:

* keys that name secrets or personal items (password, otp, key, name, kana,
  address, phone, my_number, birth_date, account_no, holder, …) get the value
  ``[REDACTED]`` at any depth;
* in string values, 12-digit runs (a possible My Number, also written 4-4-4
  with spaces or hyphens) and 10–11-digit phone-like runs become ``[REDACTED]``;
* exceptions are written as plain text frames (file, line, function) and the
  exception type only: no source lines, no message (it may quote personal
  values), never locals.

The logger is built with :func:`structlog.wrap_logger` and its own processors,
so the global structlog configuration of other code is left alone.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import traceback
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog

__all__ = [
    "LOG_FILE_NAME",
    "REDACTED",
    "configure_json_log",
    "close_json_log",
    "is_configured",
    "redact",
    "mask_text",
    "format_exception_plain",
    "log_event",
    "mirror_event",
    "mirror_failures",
]

LOG_FILE_NAME = "nozei-audit.jsonl"
REDACTED = "[REDACTED]"

# ------------------------------------------------------------------ redaction

#: Matched anywhere in the key (lower case, separators removed).
_SENSITIVE_PARTS = ("password", "passwd", "secret", "token", "mynumber", "namekana", "kana",
                    "address", "phone", "birthdate", "accountno", "holder")
#: Matched as whole words of the key (``otp_secret``, ``api_key``, ``display_name``).
_SENSITIVE_WORDS = frozenset({"otp", "kek", "key", "name"})
#: Audit fields whose names look sensitive but whose values are not personal data.
_SAFE_KEYS = frozenset({"event", "client_address", "file_name"})
#: Top-level fields the system itself fills with identifiers (atena numbers, hashes,
#: times); their digit runs are references, not phone numbers.
_UNMASKED_TOP_LEVEL = frozenset({"timestamp", "occurred_at", "target_ref", "hash", "prev_hash", "seq"})

_D = "[0-9０-９]"
_SEP = "[ \\-‐－−　]"
_BEFORE = "(?<![0-9A-Za-z０-９])"
_AFTER = "(?![0-9A-Za-z０-９])"
_MY_NUMBER = re.compile(f"{_BEFORE}(?:{_D}{{12}}|{_D}{{4}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}){_AFTER}")
_PHONE_RUN = re.compile(f"{_BEFORE}{_D}{{10,11}}{_AFTER}")
_PHONE_GROUPED = re.compile(
    f"{_BEFORE}[(（]?[0０]{_D}{{0,4}}[)）]?{_SEP}?{_D}{{1,4}}(?:{_SEP}|[)）]){_D}{{3,4}}{_AFTER}"
)


def _sensitive_key(key: str) -> bool:
    if key in _SAFE_KEYS:
        return False
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()
    compact = re.sub(r"[^0-9a-z]", "", words)
    if any(part in compact for part in _SENSITIVE_PARTS):
        return True
    return any(word in _SENSITIVE_WORDS for word in re.split(r"[^0-9a-z]+", words))


def _grouped_phone(m: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in m.group(0))
    return REDACTED if digits in (10, 11) else m.group(0)


def mask_text(text: str) -> str:
    """``text`` with My Number–like and phone-like digit runs replaced."""
    text = _MY_NUMBER.sub(REDACTED, text)
    text = _PHONE_RUN.sub(REDACTED, text)
    return _PHONE_GROUPED.sub(_grouped_phone, text)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return REDACTED if len(str(abs(value))) == 12 else value
    if isinstance(value, Mapping):
        return {k: REDACTED if _sensitive_key(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return REDACTED  # raw bytes may be ciphertext or keys: never logged
    return value


def redact(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: sensitive keys at any depth and digit runs in strings."""
    out: dict[str, Any] = {}
    for key, value in event_dict.items():
        name = str(key)
        if _sensitive_key(name):
            out[name] = REDACTED
        elif name in _UNMASKED_TOP_LEVEL and isinstance(value, str | int):
            out[name] = value
        else:
            out[name] = _scrub(value)
    return out


# ------------------------------------------------------------------ exceptions

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _exc_tuple(value: Any) -> ExcInfo | None:
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and len(value) == 3 and value[0] is not None:
        return value  # type: ignore[return-value]
    if value is True:
        info = sys.exc_info()
        return info if info[0] is not None else None  # type: ignore[return-value]
    return None


def _plain_traceback(exc: BaseException) -> str:
    lines = ["Traceback (most recent call last):"]
    for fs in traceback.extract_tb(exc.__traceback__, limit=50):
        lines.append(f'  File "{fs.filename}", line {fs.lineno}, in {fs.name}')
    lines.append(f"{type(exc).__module__}.{type(exc).__qualname__}（メッセージは記録しません）")
    return "\n".join(lines)


def format_exception_plain(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: ``exc_info`` → plain-text frames and type, without message or locals."""
    info = _exc_tuple(event_dict.pop("exc_info", None))
    event_dict.pop("stack_info", None)
    if info is None:
        return event_dict
    chain: list[BaseException] = []
    exc: BaseException | None = info[1]
    while exc is not None and exc not in chain and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    event_dict["exception"] = "\n\n".join(_plain_traceback(e) for e in reversed(chain))
    return event_dict


# ------------------------------------------------------------------ the file


#: Written as ``\\uXXXX`` even though ``json.dumps`` leaves them raw (it escapes only C0, ``"`` and ``\\``).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escape(char: str) -> str:
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _json_line(obj: Any, **kw: Any) -> str:
    """``json.dumps``, then every control, format or separator character still raw (DEL, C1 such as
    the CSI 0x9B, bidi overrides, U+2028) and every lone surrogate written as a ``\\uXXXX`` escape.

    Such characters only occur inside JSON strings, so the line decodes to the very
    same values, while a terminal, pager or log viewer showing it never meets an
    escape sequence or a right-to-left override taken from a file name or a typed text;
    and a lone surrogate can no longer make the UTF-8 write fail.
    """
    text = json.dumps(obj, **kw)
    if text.isprintable():
        return text
    return "".join(_escape(c) for c in text)


class _JsonLinesFile:
    """Appends whole lines with one ``write`` each (O_APPEND keeps processes apart)."""

    def __init__(self, path: Path) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            self._fd: int | None = os.open(path, flags | os.O_EXCL, 0o640)
            if hasattr(os, "fchmod"):
                os.fchmod(self._fd, 0o640)  # whatever the umask
        except FileExistsError:
            self._fd = os.open(path, flags, 0o640)
        self._lock = threading.Lock()
        self.failures = 0

    def msg(self, message: str) -> None:
        data = memoryview((message + "\n").encode("utf-8"))
        with self._lock:
            if self._fd is None:
                return
            try:
                while data:
                    data = data[os.write(self._fd, data):]
            except OSError:
                self.failures += 1  # the database chain stays authoritative

    debug = info = warning = warn = error = critical = exception = fatal = msg

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


_lock = threading.Lock()
_file: _JsonLinesFile | None = None
_logger: Any = None


def configure_json_log(log_dir: Path) -> None:
    """Mirror into ``log_dir / nozei-audit.jsonl``; calling again reopens (tests, rotation)."""
    global _file, _logger
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    new_file = _JsonLinesFile(log_dir / LOG_FILE_NAME)
    new_logger = structlog.wrap_logger(
        new_file,
        processors=[
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            format_exception_plain,
            redact,
            structlog.processors.JSONRenderer(_json_line, ensure_ascii=False, sort_keys=True, default=str),
        ],
        wrapper_class=structlog.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )
    with _lock:
        old, _file, _logger = _file, new_file, new_logger
    if old is not None:
        old.close()


def close_json_log() -> None:
    """Stop mirroring (later events are not written until configured again)."""
    global _file, _logger
    with _lock:
        old, _file, _logger = _file, None, None
    if old is not None:
        old.close()


def is_configured() -> bool:
    return _logger is not None


def mirror_failures() -> int:
    """Lines that could not be written since the last configure (e.g. disk full)."""
    return _file.failures if _file is not None else 0


def log_event(event: str, **fields: Any) -> None:
    """Write one line through the mirror's processors; a no-op when not configured."""
    logger = _logger
    if logger is not None:
        logger.info(event, **fields)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    return value


def mirror_event(row: Mapping[str, Any]) -> None:
    """Mirror one committed audit event (all columns; details as an object)."""
    if _logger is None:
        return
    fields: dict[str, Any] = {}
    for key, value in row.items():
        if key == "details" and isinstance(value, str | bytes):
            try:
                value = json.loads(value)
            except ValueError:
                value = {"_unparsed": value}
        fields[str(key)] = _plain(value)
    fields.pop("event", None)
    log_event("audit", **fields)
