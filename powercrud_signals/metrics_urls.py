"""The metrics endpoint's URL pattern.

Include it with ``path("metrics/", include("powercrud_signals.metrics_urls"))``.
"""

from __future__ import annotations

from django.urls import path

from powercrud_signals.metrics_view import metrics_view

app_name = "powercrud_signals_metrics"

urlpatterns = [path("", metrics_view, name="metrics")]
