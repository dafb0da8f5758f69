"""The Prometheus scrape endpoint for the metrics receiver.

With ``PROMETHEUS_MULTIPROC_DIR`` set (read on each request), the metrics every process wrote
there (web processes, django-q2 workers, the monitor) are merged; otherwise this process's own
registry is served.  Include it from your URLconf::

    path("metrics/", include("powercrud_signals.metrics_urls"))

It has no access control of its own: restrict it at the proxy, or wrap the view
(``staff_member_required(metrics_view)``) in your own URL pattern.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

__all__ = ["MULTIPROC_ENV", "metrics_view"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus' text format (501 when prometheus_client is not installed)."""
    try:
        from prometheus_client import (
            CONTENT_TYPE_LATEST,
            REGISTRY,
            CollectorRegistry,
            generate_latest,
        )
        from prometheus_client.multiprocess import MultiProcessCollector
    except ImportError:
        return HttpResponse(
            "prometheus_client is not installed: pip install 'powercrud-signals[metrics]'\n",
            status=501,
            content_type="text/plain; charset=utf-8",
        )
    directory = os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower())
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
