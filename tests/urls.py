from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.browser_support import PacedProductCRUDView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics/", include("powercrud_signals.metrics_urls")),
    path("tasks/", include("powercrud_signals.urls")),
    # The demo's catalogue (PowerCRUD views) for the integration and browser tests.
    path("catalogue/", include("example.catalogue.urls")),
    path("paced/", include((PacedProductCRUDView.get_urls(), "paced"))),
    path("powercrud/", include("powercrud.urls", namespace="powercrud")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
