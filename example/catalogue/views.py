from django.contrib.auth.mixins import LoginRequiredMixin
from neapolitan.views import CRUDView
from powercrud.mixins import PowerCRUDAsyncMixin

from example.catalogue.models import Product
from powercrud_signals.integration import SignalsAsyncMixin


class ProductCRUDView(LoginRequiredMixin, SignalsAsyncMixin, PowerCRUDAsyncMixin, CRUDView):
    model = Product
    namespace = "catalogue"
    base_template_path = "catalogue/base.html"
    fields = ["sku", "name", "category", "price", "stock", "active"]
    filterset_fields = ["category", "active"]
    use_htmx = True
    use_modal = True
    paginate_by = 25
    page_size_options = [25, 100, 200]
    show_record_count = True

    bulk_fields = ["category", "active", "price", "stock"]
    bulk_delete = True
    bulk_async = True  # 20 or more selected rows go to the django-q2 cluster
    bulk_min_async_records = 20
    bulk_async_conflict_checking = True
