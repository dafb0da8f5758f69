"""The interactive demo and its non-interactive check.

``serve``: set up the database, start the web server and a qcluster together, print where to
go and how to log in, and stop both on Ctrl-C.

``check``: the same set-up on a throwaway database and a real qcluster, then one async bulk
edit of 200 products through the real PowerCRUD view (Django's test client), followed on the
dashboard until its row reaches a final status.  Exit status 0 only if it reached success and
the products really changed.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from typing import Any

from example.processes import free_port, start_cluster, start_web_server

DEMO_USERS = (
    # username, password, staff/superuser, description
    ("demo", "demo", True, "sees every task, can use the admin"),
    ("viewer", "viewer", False, "sees only the tasks it launched"),
)
PRODUCTS = 3000
CHECK_SELECTION = 200
ROW_APPEARS_WITHIN = 30.0


def set_up(stdout: Any) -> None:
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="dashboard", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_catalogue", count=PRODUCTS, stdout=stdout)
    view_tasks = Permission.objects.get(
        content_type__app_label="powercrud_signals", codename="view_taskrecord"
    )
    catalogue_perms = Permission.objects.filter(content_type__app_label="catalogue")
    for username, password, privileged, _ in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(password)
        user.is_staff = user.is_superuser = privileged
        user.save()
        user.user_permissions.add(view_tasks, *catalogue_perms)


def _stop_on_sigterm() -> None:
    """Treat SIGTERM (a closed terminal, ``kill``) like Ctrl-C so both processes are stopped."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def serve(workdir: Path, port: int) -> int:
    import sys

    _stop_on_sigterm()
    print("powercrud-signals demo: preparing the database (SQLite, ORM broker, DB cache) ...")
    set_up(sys.stdout)
    port = free_port(port)
    cluster = server = None
    try:
        print("starting a django-q2 cluster (2 workers) and the web server ...")
        cluster = start_cluster(workdir)
        server = start_web_server(workdir, port)
        url = f"http://127.0.0.1:{port}/"
        print()
        print(f"  Open {url}")
        for username, password, _, description in DEMO_USERS:
            print(f"  Log in as {username} / {password}  ({description})")
        print(f"  Catalogue: {url}catalogue/product/   Dashboard: {url}tasks/")
        print("  Select 20 or more products and use Bulk Edit: the job runs on the cluster and")
        print("  the dashboard follows it.  Logs: " + str(workdir))
        print("\nPress Ctrl-C to stop the web server and the cluster.")
        while cluster.running() and server.running():
            time.sleep(0.5)
        stopped = cluster if not cluster.running() else server
        print(f"\n{stopped.name} stopped unexpectedly; its log:\n{stopped.output()[-3000:]}")
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...")
        return 0
    finally:
        for process in (server, cluster):
            if process is not None:
                process.stop()
        print("web server and cluster stopped.")


def check(workdir: Path, timeout: float = 180.0) -> int:
    import io

    _stop_on_sigterm()
    print(f"powercrud-signals demo check: throwaway database in {workdir}")
    set_up(io.StringIO())
    cluster = start_cluster(workdir)
    print("django-q2 cluster running; launching an async bulk edit through the PowerCRUD view")
    try:
        return _drive_bulk_edit(timeout)
    finally:
        cluster.stop()


def _drive_bulk_edit(timeout: float) -> int:
    import logging

    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from example.catalogue.models import Product

    logging.getLogger("django.request").setLevel(logging.ERROR)  # polling may see 404 first
    client = Client()
    client.force_login(User.objects.get(username="viewer"))
    ids = list(
        Product.objects.exclude(category="toys").values_list("pk", flat=True)[:CHECK_SELECTION]
    )
    response = client.post(
        reverse("catalogue:product-bulk-edit"),
        {
            "selected_ids[]": [str(pk) for pk in ids],
            "bulk_submit": "1",
            "fields_to_update": ["category"],
            "category": "toys",
        },
        headers={"HX-Request": "true"},
    )
    trigger = json.loads(response.headers.get("HX-Trigger") or "{}")
    task_name = trigger.get("taskName")
    if response.status_code != 200 or not task_name:
        print(f"FAIL: the bulk edit was not queued (HTTP {response.status_code}, {trigger})")
        return 1
    print(f"queued task {task_name} for {len(ids)} products")
    print(f"its dashboard page: {trigger.get('dashboardUrl')}")

    detail_url = reverse("powercrud_signals:task_detail", args=[task_name])
    started = time.monotonic()
    deadline = started + timeout
    last = None
    status = ""
    while time.monotonic() < deadline:
        page = client.get(detail_url, headers={"HX-Request": "true"})
        if page.status_code == 404 and time.monotonic() - started > ROW_APPEARS_WITHIN:
            print(
                f"FAIL: no dashboard row for the task after {ROW_APPEARS_WITHIN:.0f} s "
                "(is the persistence receiver connected?)"
            )
            return 1
        if page.status_code == 200:
            html = page.content.decode()
            status = _attribute(html, "data-status")
            progress = _progress_text(html)
            if (status, progress) != last:
                print(f"  dashboard: status={status or '-':<11} {progress}")
                last = (status, progress)
            if status in ("success", "failed"):
                break
        time.sleep(0.25)
    changed = Product.objects.filter(pk__in=ids, category="toys").count()
    if status != "success":
        print(f"FAIL: the dashboard row ended as {status or 'missing'!r} (timeout {timeout:.0f} s)")
        return 1
    if changed != len(ids):
        print(f"FAIL: dashboard says success but only {changed}/{len(ids)} products changed")
        return 1
    print(f"OK: the dashboard row reached success and all {changed} products were updated.")
    return 0


def _attribute(html: str, name: str) -> str:
    match = re.search(rf'id="pcs-task-record"[^>]*\b{name}="([^"]*)"', html)
    return match.group(1) if match else ""


def _progress_text(html: str) -> str:
    match = re.search(r'<span class="pcs-progress-label">([^<]*)</span>', html)
    return match.group(1).strip() if match else ""
