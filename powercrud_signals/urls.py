"""Dashboard URLs: ``path("tasks/", include("powercrud_signals.urls"))``."""

from django.urls import path

from powercrud_signals.views import TaskDetailView, TaskListView

app_name = "powercrud_signals"

urlpatterns = [
    path("", TaskListView.as_view(), name="task_list"),
    # ``path``: a task name is whatever key the manager used, and may hold '/'.
    path("<path:task_name>/", TaskDetailView.as_view(), name="task_detail"),
]
