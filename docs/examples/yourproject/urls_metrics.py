"""The metrics endpoint in a project's URLconf (docs/receivers.md)."""

# --8<-- [start:urls]
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.urls import include, path

from powercrud_signals.metrics_view import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),  # staff_member_required logs in through the admin
    # Open to whoever can reach it: restrict /metrics/ at the proxy ...
    path("metrics/", include("powercrud_signals.metrics_urls")),
    # ... or let only staff see it.
    path("staff/metrics/", staff_member_required(metrics_view)),
]
# --8<-- [end:urls]
