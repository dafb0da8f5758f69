from example.catalogue.views import ProductCRUDView

app_name = "catalogue"

urlpatterns = [*ProductCRUDView.get_urls()]
