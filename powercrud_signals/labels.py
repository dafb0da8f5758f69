"""Printable labels for who launched a task and what it touches.

The ``user`` and ``affected`` formatters of ``POWERCRUD_SIGNALS["FORMATTERS"]`` replace the
defaults here; like PowerCRUD's ``AsyncDashboardConfig.format_user``/``format_affected`` they
take the raw object.  A formatter that fails falls back to the default label, and every label
is bounded and storable whatever the formatter returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from powercrud_signals.conf import app_settings
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.payloads import PayloadPolicy, safe_text

logger = logging.getLogger("powercrud_signals.labels")


def default_user_label(user: Any) -> str:
    """``get_username()`` for a user model, else ``str(user)``; empty for no user."""
    if user is None or (isinstance(user, str) and not user):
        return ""
    get_username = getattr(user, "get_username", None)
    if callable(get_username):
        return str(get_username())
    return str(user)


def default_affected_label(affected: Any) -> str:
    """A comma-separated list for a collection, the model's plural name for a queryset."""
    if affected is None or (isinstance(affected, str) and not affected):
        return ""
    if isinstance(affected, QuerySet):
        return f"{affected.model._meta.verbose_name_plural} (queryset)"  # never evaluated
    if isinstance(affected, (list, tuple, set, frozenset)):
        return ", ".join(str(item) for item in _first(affected, 50))
    return str(affected)


def label_user(user: Any, policy: PayloadPolicy) -> str:
    return _label("user", user, default_user_label, policy)


def label_affected(affected: Any, policy: PayloadPolicy) -> str:
    return _label("affected", affected, default_affected_label, policy)


def _label(name: str, value: Any, default: Any, policy: PayloadPolicy) -> str:
    try:
        formatter = app_settings.formatter(name)
    except ConfigurationError:
        logger.warning("formatter_unavailable name=%s", name, exc_info=True)
        formatter = None
    if formatter is not None:
        try:
            return safe_text(formatter(value), policy)
        except Exception:
            logger.warning("formatter_failed name=%s", name, exc_info=True)
    try:
        return safe_text(default(value), policy)
    except Exception:
        return safe_text(f"<unlabelled {type(value).__name__}>", policy)


def _first(items: Iterable[Any], count: int) -> list[Any]:
    out = []
    for index, item in enumerate(items):
        if index >= count:
            out.append("…")
            break
        out.append(item)
    return out
