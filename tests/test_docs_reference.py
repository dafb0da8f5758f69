"""The reference pages list exactly what the code defines, so they cannot drift from it.

- docs/signals.md has a row for every LifecycleEvent field and every signal, and names every
  kind and status;
- docs/settings.md has a row for every key in conf.DEFAULTS (``OUTER.INNER`` for nested ones)
  whose default cell equals the code's default, and a row for every system check id.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from django.dispatch import Signal
from django.utils.module_loading import import_string

from powercrud_signals import checks, signals
from powercrud_signals.conf import DEFAULTS, NESTED_KEYS
from powercrud_signals.events import EventKind, LifecycleEvent, Status

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r"^\|\s*`(?P<name>[^`]+)`\s*\|(?P<rest>.*)\|\s*$", re.M)


def _rows(page: str) -> dict[str, list[str]]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return {m["name"]: [cell.strip() for cell in m["rest"].split("|")] for m in ROW.finditer(text)}


def _setting_names() -> list[str]:
    names = []
    for key, value in DEFAULTS.items():
        names.append(key)
        if key in NESTED_KEYS:
            names.extend(f"{key}.{inner}" for inner in value)
    return names


def _default(name: str) -> Any:
    outer, _, inner = name.partition(".")
    return DEFAULTS[outer][inner] if inner else DEFAULTS[outer]


def test_every_event_field_is_documented() -> None:
    rows = _rows("signals.md")
    fields = [f.name for f in dataclasses.fields(LifecycleEvent)]
    assert [f for f in fields if f not in rows] == []


def test_every_signal_is_documented() -> None:
    rows = _rows("signals.md")
    declared = [name for name in signals.__all__ if isinstance(getattr(signals, name), Signal)]
    assert len(declared) == 8
    assert [name for name in declared if name not in rows] == []


def test_every_kind_and_status_is_named() -> None:
    text = (DOCS / "signals.md").read_text(encoding="utf-8")
    values = [k.value for k in EventKind] + [s.value for s in Status]
    assert [v for v in values if f"`{v}`" not in text] == []


@pytest.mark.parametrize("name", _setting_names())
def test_setting_has_a_row_with_the_code_default(name: str) -> None:
    rows = _rows("settings.md")
    assert name in rows, f"docs/settings.md has no row for `{name}`"
    if name in NESTED_KEYS:
        return  # the outer dict's default is its rows
    type_, default_cell = rows[name][0], rows[name][1]
    assert type_, f"`{name}` has no type"
    documented = default_cell.strip("`")
    try:
        value = ast.literal_eval(documented)
    except (ValueError, SyntaxError):
        value = import_string(documented)  # a named constant, e.g. DEFAULT_REDACT_KEYS
    expected = _default(name)
    if isinstance(expected, list):
        value = list(value)
    assert value == expected, f"`{name}`: documented default {documented}, code has {expected!r}"


def test_every_check_id_is_documented() -> None:
    package = Path(checks.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    ids = sorted(set(re.findall(r'id="(powercrud_signals\.[EW]\d{3})"', source)))
    assert len(ids) >= 11
    rows = _rows("settings.md")
    assert [i for i in ids if i not in rows] == []
