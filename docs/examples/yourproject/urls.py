"""The dashboard's URLs in a project's URLconf (docs/dashboard.md)."""

# --8<-- [start:urls]
from django.urls import include, path

urlpatterns = [
    # ...
    path("tasks/", include("powercrud_signals.urls")),  # namespace "powercrud_signals"
]
# --8<-- [end:urls]
