"""A dashboard list view with a different refresh interval and page size (docs/dashboard.md)."""

# --8<-- [start:subclass]
from powercrud_signals.views import TaskListView


class MyTaskListView(TaskListView):
    poll_seconds = 5
    paginate_by = 50


# --8<-- [end:subclass]
