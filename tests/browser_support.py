"""A paced copy of the demo's catalogue view, so a browser can watch a bulk edit progress.

PowerCRUD's default bulk update of 200 rows finishes in well under a second, faster than the
dashboard refreshes; the paced backend is PowerCRUD's own default backend with a short pause
before each progress report.  Everything else (view, task, manager, cluster) is the real path.
"""

from __future__ import annotations

import time
from typing import Any

from powercrud.bulk_persistence import DefaultBulkUpdatePersistenceBackend

from example.catalogue.views import ProductCRUDView


class PacedBulkUpdateBackend(DefaultBulkUpdatePersistenceBackend):
    def persist_bulk_update(self, *, progress_callback: Any = None, **kwargs: Any) -> Any:
        delay = float(self.config.get("delay", 0.03))

        def paced(current: int, total: int) -> None:
            time.sleep(delay)
            if progress_callback is not None:
                progress_callback(current, total)

        return super().persist_bulk_update(progress_callback=paced, **kwargs)


class PacedProductCRUDView(ProductCRUDView):
    namespace = "paced"
    url_base = "product"
    bulk_update_persistence_backend_path = "tests.browser_support.PacedBulkUpdateBackend"
    bulk_update_persistence_backend_config = {"delay": 0.03}
