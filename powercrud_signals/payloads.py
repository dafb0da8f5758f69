"""Turn anything a task was given or returned into JSON-safe, redacted, bounded data.

Every event field except the raw ``user``/``affected_objects`` passes through here, so this is
where "secrets never reach the database, logs or metrics" and "nothing raises, whatever the
task was given" are kept.  It must not raise, must not evaluate querysets or iterators (that
could run queries or consume a task's data), and must stay cheap for the short strings a
progress event carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise

__all__ = [
    "DEFAULT_REDACT_KEYS",
    "REDACTED",
    "PayloadPolicy",
    "present_json_safe",
    "safe_text",
    "scrub_text",
    "scrubbed_text",
    "to_json_safe",
]

REDACTED = "********"

DEFAULT_REDACT_KEYS: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "authorization",
    "cookie",
    "session",
    "credential",
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _normalise_key(key: str) -> str:
    return _NON_ALNUM.sub("", key.lower())


@dataclass(frozen=True)
class PayloadPolicy:
    """How payloads are made safe: which keys are secret and how much of a value is kept."""

    redact_keys: tuple[str, ...] = DEFAULT_REDACT_KEYS
    max_chars: int = 2000
    max_items: int = 1000
    max_depth: int = 16
    max_nodes: int = 20_000

    def __post_init__(self) -> None:
        tokens = sorted({_normalise_key(k) for k in self.redact_keys if _normalise_key(k)})
        # Frozen dataclass: derived, compiled state is stored with object.__setattr__.
        object.__setattr__(self, "_tokens", tuple(tokens))
        # Cheap probe run before the key=value regex: a text can only hold "token=..." if it
        # contains the first letters of some token (the regex itself costs microseconds).
        stems = sorted({t[:3] for t in tokens})
        stem_re = re.compile("|".join(map(re.escape, stems))) if stems else None
        object.__setattr__(self, "_stem_re", stem_re)
        object.__setattr__(self, "_secret_key_cache", {})
        if tokens:
            # In free text the same tokens may be written with '-', '_' or nothing between
            # their letters' original words ("api_key", "api-key", "apikey").
            flexible = "|".join(
                "[-_]?".join(re.escape(ch) for ch in token)
                if len(token) <= 24
                else re.escape(token)
                for token in tokens
            )
            kv = re.compile(
                r"(?i)(?P<key>[\w.-]*?(?:" + flexible + r")[\w-]*)"
                r"(?P<sep>['\"]?\s*[:=]\s*)"
                # A quoted value may carry a Python string prefix: reprs of bytes, b'...'.
                r"(?P<val>(?:[bBrRuU]{1,2})?(?:\"[^\"]*\"|'[^']*')|[^\s&,;'\"}\])]+)"
            )
            flag = re.compile(r"(?i)^-{1,2}[\w-]*(?:" + flexible + r")[\w-]*$")
        else:
            kv = flag = None  # type: ignore[assignment]
        object.__setattr__(self, "_kv_re", kv)
        object.__setattr__(self, "_flag_re", flag)

    def is_secret_key(self, key: str) -> bool:
        """True when a mapping key (or header name) looks like it holds a secret."""
        cache: dict[str, bool] = self._secret_key_cache  # type: ignore[attr-defined]
        found = cache.get(key)
        if found is None:
            normalised = _normalise_key(key)
            found = any(token in normalised for token in self._tokens)  # type: ignore[attr-defined]
            if len(cache) < 4096:
                cache[key] = found
        return found

    def is_secret_flag(self, text: str) -> bool:
        """True for a command-line flag such as ``--api-token`` whose next value is secret."""
        flag_re: re.Pattern[str] | None = self._flag_re  # type: ignore[attr-defined]
        return bool(flag_re is not None and text.startswith("-") and flag_re.match(text))


# Credentials embedded in free text: "Bearer abc...", "scheme://user:pass@host".
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}")
_URL_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@/\s]+)(@)")


def scrub_text(text: str, policy: PayloadPolicy) -> str:
    """Mask secrets written inside free text (messages, tracebacks, progress)."""
    if len(text) < 6:
        return text
    if "://" in text:
        text = _URL_USERINFO_RE.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    if " " in text:
        text = _BEARER_RE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    kv_re: re.Pattern[str] | None = policy._kv_re  # type: ignore[attr-defined]
    if kv_re is not None and ("=" in text or ":" in text):
        stem_re: re.Pattern[str] = policy._stem_re  # type: ignore[attr-defined]
        if stem_re.search(text.lower()):
            text = kv_re.sub(_mask_kv, text)
    return text


def _mask_kv(match: re.Match[str]) -> str:
    value = match.group("val")
    quote_at = len(value) - len(value.lstrip("bBrRuU"))
    if value[quote_at : quote_at + 1] in ("'", '"'):
        quote = value[quote_at]
        value = value[:quote_at] + quote + REDACTED + quote
    elif value == REDACTED:
        return match.group(0)
    else:
        value = REDACTED
    return match.group("key") + match.group("sep") + value


def _clean_str(text: str, max_chars: int) -> str:
    # PostgreSQL rejects NUL in text and JSON; lone surrogates cannot be encoded as UTF-8.
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > max_chars:
        text = f"{text[:max_chars]}…[+{len(text) - max_chars} chars]"
    return text


def _clean_scrubbed(text: str, policy: PayloadPolicy) -> str:
    """``_clean_str`` with the secrets inside the text masked before it is cut, not after:
    a secret the cut splits (a quoted value left without its closing quote, a URL without
    its '@') would no longer be recognised.  At most twice ``max_chars`` is scanned."""
    limit = policy.max_chars
    if len(text) <= limit:
        return scrub_text(_clean_str(text, limit), policy)
    window = 2 * limit
    masked = scrub_text(_clean_str(text[:window], window), policy)
    if len(masked) <= limit:  # masking shortened the window enough
        return masked + (f"…[+{len(text) - window} chars]" if len(text) > window else "")
    return f"{masked[:limit]}…[+{len(text) - limit} chars]"


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        text = str(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    if not isinstance(text, str):  # a broken __str__ returning something else
        text = f"<unprintable {type(value).__name__}>"
    return text


def safe_text(value: object, policy: PayloadPolicy) -> str:
    """A printable, bounded, storable string for any value; never raises."""
    return _clean_str(_as_text(value), policy.max_chars)


def scrubbed_text(value: object, policy: PayloadPolicy) -> str:
    """``safe_text`` with the secrets written inside the text masked (free text: messages,
    progress, tracebacks); never raises."""
    return _clean_scrubbed(_as_text(value), policy)


def present_json_safe(values: Mapping[str, Any], policy: PayloadPolicy) -> dict[str, Any]:
    """The non-None entries of ``values``, JSON-safe (for per-task context computed once)."""
    present = {key: value for key, value in values.items() if value is not None}
    return to_json_safe(present, policy) if present else {}  # type: ignore[no-any-return]


def to_json_safe(value: Any, policy: PayloadPolicy) -> Any:
    """A JSON-serialisable copy of ``value`` with secret values masked and sizes bounded.

    Never raises.  Secret-looking mapping keys (``policy.redact_keys``) have their values
    replaced by ``REDACTED``; so do the values after ``--secret-flag`` arguments and in
    ``("Authorization", "...")`` pairs; secrets inside free text are masked by ``scrub_text``.
    """
    if value is None:
        return None
    walker = _Walker(policy)
    try:
        return walker.convert(value, 0)
    except Exception:
        return f"<unrepresentable {type(value).__name__}>"


class _Walker:
    __slots__ = ("ancestors", "nodes", "policy")

    def __init__(self, policy: PayloadPolicy) -> None:
        self.policy = policy
        self.ancestors: set[int] = set()
        self.nodes = 0

    def convert(self, value: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.policy.max_nodes:
            return "<truncated: too many values>"
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _clean_scrubbed(value, self.policy)
        if isinstance(value, int):
            return self._int(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, enum.Enum):
            return self.convert(value.value, depth)
        scalar = self._scalar(value)
        if scalar is not None:
            return scalar
        if depth >= self.policy.max_depth:
            return "<truncated: nested too deep>"
        if isinstance(value, Model):
            return {"model": value._meta.label_lower, "pk": self.convert(value.pk, depth + 1)}
        if isinstance(value, QuerySet):
            # Never evaluated: that would run a query, possibly a huge one.
            return {"queryset": value.model._meta.label_lower}
        if isinstance(value, Mapping):
            return self._container(value, depth, self._mapping)
        if isinstance(value, (Sequence, Set)):
            return self._container(value, depth, self._sequence)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
            return self._container(fields, depth, self._mapping, identity=id(value))
        # Its str() is free text like any other (an exception's message, a DSN object).
        return scrubbed_text(value, self.policy)

    def _int(self, value: int) -> int | str:
        if value.bit_length() <= 256:
            return value
        return f"<int of {value.bit_length()} bits>"

    def _scalar(self, value: Any) -> str | float | None:
        if isinstance(value, decimal.Decimal):
            return str(value)  # exact: a float would lose precision
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, dt.timedelta):
            return value.total_seconds()
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, Promise):
            return scrubbed_text(value, self.policy)
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            try:
                return _clean_scrubbed(raw.decode("utf-8"), self.policy)
            except UnicodeDecodeError:
                return f"<{len(raw)} bytes>"
        if isinstance(value, PurePath):
            return safe_text(value, self.policy)
        return None

    def _container(self, value: Any, depth: int, convert: Any, identity: int | None = None) -> Any:
        key = id(value) if identity is None else identity
        if key in self.ancestors:
            return "<recursive reference>"
        self.ancestors.add(key)
        try:
            return convert(value, depth)
        finally:
            self.ancestors.discard(key)

    def _mapping(self, value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index, (raw_key, item) in enumerate(value.items()):
            if index >= self.policy.max_items:
                out["…"] = f"+{len(value) - index} more items"
                break
            key = self._key(raw_key, depth)
            if key in out:  # 1 and "1" both become "1": keep both values
                suffix = 2
                while f"{key} ({suffix})" in out:
                    suffix += 1
                key = f"{key} ({suffix})"
            if item is not None and self.policy.is_secret_key(key):
                out[key] = REDACTED
            else:
                out[key] = self.convert(item, depth + 1)
        return out

    def _key(self, raw_key: Any, depth: int) -> str:
        if isinstance(raw_key, str):
            return _clean_str(raw_key, self.policy.max_chars)
        converted = self.convert(raw_key, depth + 1)
        return converted if isinstance(converted, str) else safe_text(converted, self.policy)

    def _sequence(self, value: Iterable[Any], depth: int) -> list[Any]:
        items = list(value) if isinstance(value, Sequence) else _stable_order(value)
        out: list[Any] = []
        mask_next = False
        is_pair = len(items) == 2 and isinstance(items[0], str)
        for index, item in enumerate(items):
            if index >= self.policy.max_items:
                out.append(f"…+{len(items) - index} more items")
                break
            if mask_next and item is not None:
                out.append(REDACTED)
                mask_next = False
                continue
            mask_next = False
            out.append(self.convert(item, depth + 1))
            if isinstance(item, str):
                if index == 0 and is_pair and self.policy.is_secret_key(item):
                    mask_next = True  # ("Authorization", "Bearer ...") header pairs
                elif self.policy.is_secret_flag(item):
                    mask_next = True  # ["--password", "hunter2"] argument lists
        return out


def _stable_order(items: Iterable[Any]) -> list[Any]:
    """Sets have no order; sort them by repr so the same set always stores the same way."""
    listed = list(items)
    try:
        return sorted(listed, key=repr)
    except Exception:
        return listed
