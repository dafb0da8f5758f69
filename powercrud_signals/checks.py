"""System checks: every configuration mistake has a stable id and a hint.

Ids (documented in docs/settings.md; never reused):

- E001 ``POWERCRUD_SIGNALS`` is not a dict.
- E002 unknown key in ``POWERCRUD_SIGNALS`` (or in one of its nested dicts).
- E003 a key has the wrong type or value.
- E004 a ``RECEIVERS`` entry cannot be imported, built or connected.
- E005 a ``FORMATTERS`` entry cannot be imported or is not callable.
- W001 PowerCRUD's ``ASYNC_MANAGER_DEFAULT`` names no manager (views must each name one).
- E006 PowerCRUD's ``ASYNC_MANAGER_DEFAULT`` manager cannot be imported.
- E007 PowerCRUD's ``ASYNC_MANAGER_DEFAULT`` manager does not emit signals.
- E008 that manager cannot be constructed with its config (PowerCRUD would silently use
  its base manager and every event would be lost).
- E009 PowerCRUD's cache alias is missing or process-local (locmem/dummy), which PowerCRUD
  refuses at run time.
- E010 ``django_q`` is not in ``INSTALLED_APPS``.
- E020 the persistence ``MODEL`` or ``FIELD_MAP`` cannot be used (no such model or field,
  task-name field missing or not unique).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from powercrud_signals.conf import DEFAULTS, NESTED_KEYS, SETTING_NAME
from powercrud_signals.exceptions import ConfigurationError
from powercrud_signals.receivers import resolve_entry

Validator = Callable[[Any], str | None]
"""Returns None for a valid value, else what is wrong with it."""


def _is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be True or False"


def _is_str_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "must be a string or None"


def _is_model_label(value: Any) -> str | None:
    if isinstance(value, str) and value.count(".") == 1:
        return None
    return 'must be a model label such as "powercrud_signals.TaskRecord"'


def _is_str_map(value: Any) -> str | None:
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        return None
    return "must be a dict of logical name -> column name (or None to skip)"


def _is_mapping(value: Any) -> str | None:
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return None
    return "must be a dict with string keys"


def _is_non_negative_number(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return None
    return "must be a number of seconds >= 0"


def _is_sequence(value: Any) -> str | None:
    return None if isinstance(value, (list, tuple)) else "must be a list"


def _is_str_list(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value):
        return None
    return "must be a list of non-empty strings"


def _is_size(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 16:
        return None
    return "must be an integer >= 16"


def _is_formatter(value: Any) -> str | None:
    if value is None or isinstance(value, str) or callable(value):
        return None
    return "must be a dotted path, a callable or None"


#: Validators per setting; nested dicts are keyed "OUTER.INNER".  Receivers that add
#: settings register their validators here (see ``register_setting``).
VALIDATORS: dict[str, Validator] = {
    "PERSISTENCE": _is_mapping,
    "PERSISTENCE.ENABLED": _is_bool,
    "PERSISTENCE.MODEL": _is_model_label,
    "PERSISTENCE.FIELD_MAP": _is_str_map,
    "PERSISTENCE.DATABASE": _is_str_or_none,
    "PERSISTENCE.PROGRESS_INTERVAL": _is_non_negative_number,
    "PERSISTENCE.CREATE_DEFAULTS": _is_mapping,
    "RECEIVERS": _is_sequence,
    "REDACT_KEYS": _is_str_list,
    "MAX_VALUE_CHARS": _is_size,
    "FORMATTERS": _is_mapping,
    "FORMATTERS.user": _is_formatter,
    "FORMATTERS.affected": _is_formatter,
    "FORMATTERS.payload": _is_formatter,
    "RAISE_RECEIVER_ERRORS": _is_bool,
}


_LOG_LEVEL_NAMES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _is_log_levels(value: Any) -> str | None:
    from powercrud_signals.events import EventKind

    kinds = {kind.value for kind in EventKind}
    if isinstance(value, Mapping) and all(
        key in kinds
        and (
            (isinstance(level, str) and level.upper() in _LOG_LEVEL_NAMES)
            or (isinstance(level, int) and not isinstance(level, bool))
        )
        for key, level in value.items()
    ):
        return None
    return (
        f"must map event kinds ({', '.join(sorted(kinds))}) to a level name "
        f"({', '.join(_LOG_LEVEL_NAMES)}) or number"
    )


def _is_log_fields(value: Any) -> str | None:
    from powercrud_signals.receivers.logging import LOG_FIELDS

    if isinstance(value, (list, tuple)) and all(field in LOG_FIELDS for field in value):
        return None
    return f"must be a list of field names from: {', '.join(LOG_FIELDS)}"


def _is_logger_name(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "must be a non-empty logger name"


# The logging receiver's settings (powercrud_signals.receivers.logging).
VALIDATORS.update(
    {
        "LOGGING": _is_mapping,
        "LOGGING.LEVELS": _is_log_levels,
        "LOGGING.FIELDS": _is_log_fields,
        "LOGGING.LOGGER": _is_logger_name,
    }
)


def _known_keys(prefix: str = "") -> set[str]:
    keys = set()
    for name in VALIDATORS:
        if prefix:
            if name.startswith(prefix + "."):
                keys.add(name[len(prefix) + 1 :])
        elif "." not in name:
            keys.add(name)
    return keys


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    raw = getattr(settings, SETTING_NAME, None)
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [
            Error(
                f"{SETTING_NAME} must be a dict, not {type(raw).__name__}.",
                hint=f"Set {SETTING_NAME} = {{...}} or remove it to use the defaults.",
                id="powercrud_signals.E001",
            )
        ]
    errors: list[CheckMessage] = []
    errors += _check_level(raw, prefix="")
    for nested in NESTED_KEYS:
        if isinstance(raw.get(nested), Mapping):
            errors += _check_level(raw[nested], prefix=nested)
    return errors


def _check_level(values: Mapping[str, Any], prefix: str) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    known = _known_keys(prefix)
    where = f"{SETTING_NAME}[{prefix!r}]" if prefix else SETTING_NAME
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if key not in known:
            errors.append(
                Error(
                    f"Unknown key {key!r} in {where}.",
                    hint=f"Known keys: {', '.join(sorted(known))}.",
                    id="powercrud_signals.E002",
                )
            )
            continue
        problem = VALIDATORS[name](value)
        if problem:
            errors.append(
                Error(
                    f"{where}[{key!r}] {problem}; got {value!r}.",
                    hint=f"Default: {_default_for(name)!r}.",
                    id="powercrud_signals.E003",
                )
            )
    return errors


def _default_for(name: str) -> Any:
    outer, _, inner = name.partition(".")
    value = DEFAULTS.get(outer)
    return value.get(inner) if inner and isinstance(value, Mapping) else value


def register_setting(name: str, validator: Validator, default: Any) -> None:
    """Declare a setting (``"KEY"`` or ``"OUTER.INNER"``) with its validator and default."""
    VALIDATORS[name] = validator
    outer, _, inner = name.partition(".")
    if inner:
        DEFAULTS.setdefault(outer, {})[inner] = default
    else:
        DEFAULTS.setdefault(outer, default)


@register(Tags.compatibility)
def check_receivers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    raw = getattr(settings, SETTING_NAME, None)
    entries = raw.get("RECEIVERS") if isinstance(raw, Mapping) else None
    if not isinstance(entries, (list, tuple)):
        return []
    errors: list[CheckMessage] = []
    for entry in entries:
        try:
            resolve_entry(entry)
        except ConfigurationError as exc:
            errors.append(
                Error(
                    str(exc),
                    hint="Fix or remove this entry of POWERCRUD_SIGNALS['RECEIVERS']; it is "
                    "not connected until then.",
                    id="powercrud_signals.E004",
                )
            )
    return errors


@register(Tags.compatibility)
def check_formatters(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    raw = getattr(settings, SETTING_NAME, None)
    formatters = raw.get("FORMATTERS") if isinstance(raw, Mapping) else None
    if not isinstance(formatters, Mapping):
        return []
    errors: list[CheckMessage] = []
    for name, value in formatters.items():
        if not isinstance(value, str):
            continue
        try:
            target = import_string(value)
        except ImportError as exc:
            problem = f"cannot be imported: {exc}"
        else:
            problem = "" if callable(target) else "is not callable"
        if problem:
            errors.append(
                Error(
                    f"POWERCRUD_SIGNALS['FORMATTERS'][{name!r}] = {value!r} {problem}.",
                    hint="Name a function taking the raw value and returning a label.",
                    id="powercrud_signals.E005",
                )
            )
    return errors


@register(Tags.compatibility)
def check_powercrud_manager(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from powercrud_signals.manager import SignalEmitterMixin

    powercrud = getattr(settings, "POWERCRUD_SETTINGS", None) or {}
    default = powercrud.get("ASYNC_MANAGER_DEFAULT") if isinstance(powercrud, Mapping) else None
    path = default.get("manager_class") if isinstance(default, Mapping) else None
    if not path:
        return [
            Warning(
                "PowerCRUD is not pointed at a signal-emitting manager, so PowerCRUD views "
                "without their own async_manager_class send no signals.",
                hint='Set POWERCRUD_SETTINGS["ASYNC_MANAGER_DEFAULT"] = {"manager_class": '
                '"powercrud_signals.manager.SignalAsyncManager"}.',
                id="powercrud_signals.W001",
            )
        ]
    try:
        manager_cls = import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"POWERCRUD_SETTINGS['ASYNC_MANAGER_DEFAULT']['manager_class'] = {path!r} "
                f"cannot be imported: {exc}.",
                hint="PowerCRUD would fall back to its base AsyncManager and send no signals.",
                id="powercrud_signals.E006",
            )
        ]
    if not (isinstance(manager_cls, type) and issubclass(manager_cls, SignalEmitterMixin)):
        return [
            Error(
                f"{path} does not send powercrud-signals signals.",
                hint="Use powercrud_signals.manager.SignalAsyncManager, or add "
                "powercrud_signals.manager.SignalEmitterMixin to its bases.",
                id="powercrud_signals.E007",
            )
        ]
    config = default.get("config") if isinstance(default, Mapping) else None
    try:
        manager_cls(config=config) if config is not None else manager_cls()  # type: ignore[call-arg]
    except Exception as exc:
        return [
            Error(
                f"{path} cannot be constructed{' with its config' if config else ''}: "
                f"{type(exc).__name__}: {exc}",
                hint="PowerCRUD would silently fall back to its base AsyncManager and every "
                "lifecycle event would be lost.",
                id="powercrud_signals.E008",
            )
        ]
    return []


@register(Tags.caches)
def check_powercrud_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    powercrud = getattr(settings, "POWERCRUD_SETTINGS", None) or {}
    alias = powercrud.get("CACHE_NAME", "default") if isinstance(powercrud, Mapping) else "default"
    caches = getattr(settings, "CACHES", {}) or {}
    backend = caches.get(alias, {}).get("BACKEND") if alias in caches else None
    if backend is None:
        return [
            Error(
                f"PowerCRUD's cache alias {alias!r} is not defined in CACHES.",
                hint="Add it to CACHES (a database, Redis or Memcached cache).",
                id="powercrud_signals.E009",
            )
        ]
    lowered = backend.lower()
    if "locmem" in lowered or "dummy" in lowered:
        return [
            Error(
                f"PowerCRUD's cache alias {alias!r} uses {backend}, which only one process "
                "can see; PowerCRUD refuses it at run time and its workers could not share "
                "progress or locks.",
                hint="Use django.core.cache.backends.db.DatabaseCache, Redis or Memcached.",
                id="powercrud_signals.E009",
            )
        ]
    return []


@register(Tags.compatibility)
def check_django_q_installed(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if "django_q" in settings.INSTALLED_APPS:
        return []
    return [
        Error(
            "django_q is not in INSTALLED_APPS; PowerCRUD's async tasks need django-q2.",
            hint='Add "django_q" to INSTALLED_APPS.',
            id="powercrud_signals.E010",
        )
    ]


@register(Tags.models)
def check_persistence(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E020: the persistence model or field map cannot be used."""
    from powercrud_signals.persistence.checks import persistence_errors

    return persistence_errors()
