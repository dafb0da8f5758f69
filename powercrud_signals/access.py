"""Who may see which dashboard rows.

One rule, shared by the dashboard views and anything else that lists tasks for a user:
the model's ``view`` permission is required; staff and holders of
``powercrud_signals.view_all_taskrecords`` see every task, everyone else only the tasks they
launched.  The dashboard model is the bundled ``TaskRecord`` unless
``POWERCRUD_SIGNALS["PERSISTENCE"]["MODEL"]`` names another ``AbstractTaskRecord`` subclass,
and rows are read from ``POWERCRUD_SIGNALS["PERSISTENCE"]["DATABASE"]`` when that names the
alias the persistence receiver writes to (else wherever the routers send reads).
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet

from powercrud_signals.conf import app_settings
from powercrud_signals.models import AbstractTaskRecord, TaskRecord

logger = logging.getLogger("powercrud_signals.access")

VIEW_ALL_PERMISSION = "powercrud_signals.view_all_taskrecords"


def dashboard_model() -> type[AbstractTaskRecord]:
    """The model the dashboard reads: the configured persistence model when the dashboard
    understands it (an ``AbstractTaskRecord`` subclass), else the bundled ``TaskRecord``."""
    label = app_settings.persistence.get("MODEL")
    if isinstance(label, str) and label != "powercrud_signals.TaskRecord":
        try:
            model: type[Model] = apps.get_model(label)
        except (LookupError, ValueError):
            logger.warning("dashboard_model_unknown label=%s", label)
            return TaskRecord
        if issubclass(model, AbstractTaskRecord):
            return model
    return TaskRecord


def dashboard_database() -> str | None:
    """The alias dashboard rows are written to, when the settings name one."""
    alias = app_settings.persistence.get("DATABASE")
    return alias if isinstance(alias, str) and alias else None


def view_permission(model: type[Model]) -> str:
    """The ``app_label.view_modelname`` permission a user needs to open the dashboard."""
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def sees_all_tasks(user: Any) -> bool:
    """Staff and holders of the "view every user's async tasks" permission see every task."""
    return bool(
        getattr(user, "is_active", False)
        and (getattr(user, "is_staff", False) or user.has_perm(VIEW_ALL_PERMISSION))
    )


def visible_tasks(user: Any, model: type[AbstractTaskRecord] | None = None) -> QuerySet[Any]:
    """The rows ``user`` may see; an empty queryset for anyone without the view permission."""
    model = model or dashboard_model()
    alias = dashboard_database()
    manager = model._default_manager
    queryset = manager.using(alias) if alias else manager.all()
    if not getattr(user, "is_authenticated", False) or not user.has_perm(view_permission(model)):
        return queryset.none()
    if sees_all_tasks(user):
        return queryset
    return queryset.filter(user_id=user.pk)
