"""A PowerCRUD view opting in to signals with one mixin (docs/dashboard.md)."""

# isort: off
from tests.testapp.models import Book as Product  # stands for your own model

# isort: on
# --8<-- [start:mixin]
from neapolitan.views import CRUDView
from powercrud.mixins import PowerCRUDAsyncMixin

from powercrud_signals.integration import SignalsAsyncMixin


class ProductCRUDView(SignalsAsyncMixin, PowerCRUDAsyncMixin, CRUDView):
    model = Product
    bulk_fields = ["pages", "in_print"]
    bulk_delete = True
    bulk_async = True


# --8<-- [end:mixin]
