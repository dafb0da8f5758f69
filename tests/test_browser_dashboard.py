"""In a real browser: an async bulk edit of 200 products, watched on the dashboard.

Chromium (the distribution's, through Playwright's ``executable_path``) against a live
server, with a real django-q2 cluster running the job.  A screenshot of the dashboard is
saved under ``artifacts/``.

PowerCRUD runs the bulk update inside one transaction, which on SQLite holds the database's
write lock until the job ends; progress written to that database could only appear at the
end.  So, as the dashboard docs advise, dashboard rows go to another database: here the
PostgreSQL test database (``PERSISTENCE["DATABASE"] = "postgres"``), in this process and in
the test's own cluster, which listens on its own queue.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.db import connections

from example.catalogue.models import Product
from powercrud_signals.models import TaskRecord
from tests.cluster import EventLog, Q2Cluster, event_log_env
from tests.conftest import require_service

pytest.importorskip(
    "powercrud_signals.receivers.persistence",
    reason="needs the persistence receiver that writes dashboard rows",
)

DASHBOARD_DB = "postgres"
QUEUE = "pcs-browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.django_db(
        transaction=True,
        databases=["default", DASHBOARD_DB] if django_settings.POSTGRES_AVAILABLE else ["default"],
    ),
]

CHROMIUM = os.environ.get("POWERCRUD_SIGNALS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SELECTED = 200


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_service(
        shutil.which(CHROMIUM) is not None or os.access(CHROMIUM, os.X_OK),
        f"Chromium at {CHROMIUM}",
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary blocking calls between browser steps.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def dashboard_cluster(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, event_log: EventLog
) -> Iterator[Q2Cluster]:
    """A cluster on its own queue whose processes write dashboard rows to DASHBOARD_DB."""
    require_service(
        django_settings.POSTGRES_AVAILABLE,
        f"PostgreSQL at {django_settings.PG_HOST}:{django_settings.PG_PORT}",
    )
    cluster = Q2Cluster(
        tmp_path_factory.mktemp("browser-cluster"),
        env={
            **event_log_env(event_log.path),
            "Q_CLUSTER_NAME": QUEUE,
            "POWERCRUD_SIGNALS_TEST_PERSISTENCE_DATABASE": DASHBOARD_DB,
            # The cluster loads the settings afresh: point its alias at the test database.
            "POWERCRUD_SIGNALS_PG_NAME": connections[DASHBOARD_DB].settings_dict["NAME"],
        },
        name="browser-cluster",
    ).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def dashboard_in_second_database(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process too: dashboard rows to DASHBOARD_DB, tasks onto the test cluster's queue."""
    from django_q.conf import Conf

    settings.POWERCRUD_SIGNALS = {
        **settings.POWERCRUD_SIGNALS,
        "PERSISTENCE": {"DATABASE": DASHBOARD_DB},
    }
    monkeypatch.setattr(Conf, "CLUSTER_NAME", QUEUE)


def make_user(username: str) -> User:
    user = User.objects.create_user(username, password=f"{username}-pw")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="powercrud_signals", codename="view_taskrecord"
        )
    )
    return user


def log_in(browser: Any, base_url: str, username: str, next_path: str) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-pw")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{next_path.split('?')[0]}**")
    return page


def watch_row(
    page: Any, task_name: str, screenshot: Path | None = None, timeout: float = 120.0
) -> list[tuple[str, int | None]]:
    """(status, progress value) of the task's dashboard row each time it changes, until final."""
    row = f'tr[data-task-name="{task_name}"]'
    seen: list[tuple[str, int | None]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.evaluate(
            """(selector) => {
                const row = document.querySelector(selector);
                if (!row) return null;
                const bar = row.querySelector('progress');
                return [row.dataset.status,
                        bar && bar.hasAttribute('value') ? Number(bar.value) : null];
            }""",
            row,
        )
        if state is not None:
            current = (state[0], state[1])
            if not seen or seen[-1] != current:
                seen.append(current)
                if current[1] is not None and 0 < current[1] < 100 and screenshot is not None:
                    page.screenshot(path=str(screenshot), full_page=True)
                    screenshot = None  # the first running state is enough
            if current[0] in ("success", "failed"):
                return seen
        time.sleep(0.1)
    raise AssertionError(f"row did not reach a final status in {timeout}s; seen {seen}")


def test_bulk_edit_of_200_rows_is_followed_on_the_dashboard(
    browser: Any,
    dashboard_cluster: Q2Cluster,
    live_server: Any,
    dashboard_in_second_database: None,
) -> None:
    alice = make_user(f"alice-{uuid.uuid4().hex[:6]}")
    bob = make_user(f"bob-{uuid.uuid4().hex[:6]}")
    Product.objects.bulk_create(
        Product(sku=f"B-{i:04d}", name=f"Lamp {i}", category="office", price=Decimal(5), stock=1)
        for i in range(SELECTED + 30)
    )

    # Log in and select the 200 rows of one page with the header checkbox.
    page = log_in(browser, live_server.url, alice.username, f"/paced/product/?page_size={SELECTED}")
    page.wait_for_selector("#select-all-checkbox")
    assert page.locator("input.row-select-checkbox").count() == SELECTED
    page.click("#select-all-checkbox")
    bulk_button = page.locator("#bulk-actions-container a[href$='/bulk-edit/']")
    bulk_button.wait_for()
    page.wait_for_function(
        "(n) => document.querySelector('#bulk-actions-container').innerText.includes(String(n))",
        arg=SELECTED,
    )

    # Bulk edit: set the stock of all 200 to 4242; PowerCRUD queues it on the cluster.
    bulk_button.click()
    page.check("#powercrudModalContent input[name=fields_to_update][value=stock]")
    page.fill("#powercrudModalContent #id_stock", "4242")
    page.click("#powercrudModalContent button[type=submit][data-form-save]")
    link = page.locator(".pcs-task-link")
    link.wait_for()
    task_name = link.get_attribute("data-task-name")
    assert task_name

    # Follow the link to the dashboard list and watch the row until it is final.
    page.goto(f"{live_server.url}/tasks/")
    ARTIFACTS.mkdir(exist_ok=True)
    history = watch_row(page, task_name, screenshot=ARTIFACTS / "dashboard-running.png")
    statuses = [status for status, _ in history]
    values = [value for _, value in history if value is not None]
    assert statuses[-1] == "success", history
    assert values == sorted(values), f"progress went backwards: {history}"
    assert any(0 < value < 100 for value in values), f"no intermediate progress seen: {history}"
    assert values[-1] == 100
    row = page.locator(f'tr[data-task-name="{task_name}"]')
    assert row.locator(".pcs-badge").inner_text() == "Succeeded"
    assert alice.username in row.inner_text()
    assert f"{SELECTED} products" in row.inner_text()
    # Nothing is running any more, so the list stopped polling.
    page.wait_for_selector('#pcs-task-table[data-in-flight="false"]')
    assert page.locator("#pcs-task-table[hx-trigger]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert Product.objects.filter(stock=4242).count() == SELECTED
    assert TaskRecord.objects.using(DASHBOARD_DB).filter(task_name=task_name).exists()

    # The detail page shows the full record.
    row.locator(".pcs-task-name a").click()
    page.wait_for_selector("#pcs-task-record")
    detail = page.locator("#pcs-task-record")
    assert detail.get_attribute("data-status") == "success"
    assert task_name in detail.inner_text()
    assert "powercrud_signals.manager.SignalAsyncManager" in detail.inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-detail.png"), full_page=True)

    # Another user without the "view all" permission sees neither the row nor the page.
    other = log_in(browser, live_server.url, bob.username, "/tasks/")
    assert other.locator(f'tr[data-task-name="{task_name}"]').count() == 0
    assert "No tasks to show." in other.locator("#pcs-task-table").inner_text()
    response = other.goto(f"{live_server.url}/tasks/{task_name}/")
    assert response is not None and response.status == 404
