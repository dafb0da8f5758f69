"""PowerCRUD's own async bulk edit and delete, through a real CRUD view and a real cluster.

The view is the demo's ``ProductCRUDView`` (``SignalsAsyncMixin`` + ``PowerCRUDAsyncMixin``).
"""

from __future__ import annotations

import json
import pickle
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from example.catalogue.models import Product
from example.catalogue.views import ProductCRUDView
from powercrud_signals.integration import SignalsAsyncMixin, worker_safe_field_data
from powercrud_signals.manager import SignalAsyncManager
from tests.cluster import EventLog, Q2Cluster

BULK_EDIT_URL = "/catalogue/product/bulk-edit/"


def make_products(count: int, prefix: str | None = None) -> list[int]:
    prefix = prefix or uuid.uuid4().hex[:6]
    Product.objects.bulk_create(
        Product(
            sku=f"{prefix}-{index}",
            name=f"Product {index}",
            category="garden",
            price=Decimal("9.99"),
            stock=1,
        )
        for index in range(count)
    )
    return list(Product.objects.filter(sku__startswith=f"{prefix}-").values_list("pk", flat=True))


def logged_in_client(username: str = "editor") -> tuple[Client, User]:
    user = User.objects.create_user(f"{username}-{uuid.uuid4().hex[:6]}", password="pw")
    client = Client()
    client.force_login(user)
    return client, user


def post_bulk(client: Client, ids: list[int], **data: Any) -> Any:
    return client.post(
        BULK_EDIT_URL,
        {"selected_ids[]": [str(pk) for pk in ids], "bulk_submit": "1", **data},
        headers={"HX-Request": "true"},
    )


# ------------------------------------------------------------------------------- unit


def test_mixin_points_the_view_at_the_signal_manager() -> None:
    view = ProductCRUDView()
    assert issubclass(ProductCRUDView, SignalsAsyncMixin)
    assert view.get_async_manager_class() is SignalAsyncManager
    assert view.get_async_manager_class_path() == "powercrud_signals.manager.SignalAsyncManager"


def test_worker_safe_field_data_drops_the_form_control_and_keeps_what_workers_read() -> None:
    class Unpicklable:
        def __reduce__(self) -> Any:
            raise TypeError("cannot pickle a bound form field")

    field = Product._meta.get_field("stock")
    data = [
        {
            "field": "stock",
            "value": "5",
            "info": {"field": field, "type": "PositiveIntegerField", "control": Unpicklable()},
            "m2m_action": None,
            "m2m_values": [],
        }
    ]
    with pytest.raises(TypeError):
        pickle.dumps(data)

    cleaned = worker_safe_field_data(data)

    assert cleaned[0]["info"] == {"field": field, "type": "PositiveIntegerField"}
    assert pickle.loads(pickle.dumps(cleaned))[0]["value"] == "5"
    assert "control" in data[0]["info"]  # the caller's data is left alone
    assert worker_safe_field_data([]) == [] and worker_safe_field_data(None) is None


urlpatterns: list[Any] = []  # a project that has not included the dashboard URLs


def test_queued_response_gets_the_link_and_the_trigger_url() -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    response = HttpResponse("<div>queued</div>")
    response["HX-Trigger"] = json.dumps({"bulkEditQueued": True, "taskName": "abc"})
    request = RequestFactory().post("/")

    SignalsAsyncMixin().add_dashboard_link(request, response, "abc")

    assert json.loads(response["HX-Trigger"])["dashboardUrl"] == "/tasks/abc/"
    html = response.content.decode()
    assert html.startswith("<div>queued</div>")
    assert 'href="/tasks/abc/"' in html and 'data-task-name="abc"' in html


def test_no_link_when_the_dashboard_urls_are_not_included() -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory, override_settings

    response = HttpResponse("<div>queued</div>")
    response["HX-Trigger"] = json.dumps({"taskName": "abc"})
    with override_settings(ROOT_URLCONF=__name__):
        SignalsAsyncMixin().add_dashboard_link(RequestFactory().post("/"), response, "abc")
    assert response.content == b"<div>queued</div>"
    assert "dashboardUrl" not in json.loads(response["HX-Trigger"])


# ------------------------------------------------------------------- real cluster


def _wait_done(event_log: EventLog, task_name: str) -> list[dict[str, Any]]:
    return event_log.wait_for(
        lambda evs: {"cleanup", "create"} <= {e["kind"] for e in evs}, task_name, timeout=120
    )


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_async_bulk_edit_through_the_view_sends_every_transition(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    client, user = logged_in_client()
    ids = make_products(30)
    # Render a template first, as a running web process has, so template tag libraries are
    # loaded: that is what made PowerCRUD's enqueued arguments unpicklable.
    assert client.get("/catalogue/product/").status_code == 200

    response = post_bulk(client, ids, fields_to_update=["stock"], stock="77")

    assert response.status_code == 200, response.content[:500]
    trigger = json.loads(response["HX-Trigger"])
    task_name = trigger["taskName"]
    dashboard_url = reverse("powercrud_signals:task_detail", args=[task_name])
    assert trigger["dashboardUrl"] == dashboard_url
    assert f'href="{dashboard_url}"' in response.content.decode()

    events = _wait_done(event_log, task_name)
    kinds = [e["kind"] for e in events]
    assert {"create", "started", "progress", "complete", "cleanup"} <= set(kinds)
    assert "fail" not in kinds
    progress = [e["progress"] for e in events if e["kind"] == "progress"]
    assert "updating: 30/30" in progress
    create = next(e for e in events if e["kind"] == "create")
    assert create["user_label"] == user.get_username()
    assert create["affected_label"] == "30 products"
    assert set(Product.objects.filter(pk__in=ids).values_list("stock", flat=True)) == {77}


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_async_bulk_delete_through_the_view_sends_every_transition(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    client, _ = logged_in_client()
    ids = make_products(25)

    response = post_bulk(client, ids, delete_selected="1")

    assert response.status_code == 200, response.content[:500]
    task_name = json.loads(response["HX-Trigger"])["taskName"]
    events = _wait_done(event_log, task_name)
    kinds = {e["kind"] for e in events}
    assert {"create", "started", "progress", "complete", "cleanup"} <= kinds
    assert "deleting: 25/25" in [e["progress"] for e in events if e["kind"] == "progress"]
    assert not Product.objects.filter(pk__in=ids).exists()


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_bulk_edit_row_reaches_success_on_the_dashboard(
    q2_cluster: Q2Cluster, event_log: EventLog
) -> None:
    pytest.importorskip(
        "powercrud_signals.receivers.persistence",
        reason="needs the persistence receiver that writes dashboard rows",
    )
    from django.contrib.auth.models import Permission

    client, user = logged_in_client()
    user.user_permissions.add(Permission.objects.get(codename="view_taskrecord"))
    ids = make_products(40)
    task_name = json.loads(
        post_bulk(client, ids, fields_to_update=["stock"], stock="5")["HX-Trigger"]
    )["taskName"]
    _wait_done(event_log, task_name)

    page = client.get(
        reverse("powercrud_signals:task_detail", args=[task_name]), headers={"HX-Request": "true"}
    ).content.decode()

    assert 'data-status="success"' in page
    assert 'data-in-flight="false"' in page
    assert 'max="100" value="100"' in page
    listing = client.get("/tasks/").content.decode()
    assert f'data-task-name="{task_name}" data-status="success"' in listing
