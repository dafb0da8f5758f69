"""The dashboard pages: access rules, filters, ordering, polling, escaping."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from powercrud_signals.models import TaskRecord

pytestmark = pytest.mark.django_db

LIST_URL = "/tasks/"


def make_user(username: str, *perms: str, staff: bool = False) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=staff)
    for codename in perms:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="powercrud_signals", codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh instance: no cached permissions


def make_task(user: User | None = None, **fields: Any) -> TaskRecord:
    now = timezone.now()
    defaults: dict[str, Any] = {
        "task_name": str(uuid.uuid4()),
        "status": "success",
        "created_at": now,
        "updated_at": now,
        "user": user,
        "user_label": user.get_username() if user else "",
    }
    defaults.update(fields)
    return TaskRecord.objects.create(**defaults)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_names(html: str) -> list[str]:
    return re.findall(r'data-task-name="([^"]+)" data-status', html)


# ---------------------------------------------------------------------------- access


def test_anonymous_user_is_sent_to_login() -> None:
    response = Client().get(LIST_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_user_without_view_permission_is_refused_even_if_staff() -> None:
    assert client_for(make_user("plain")).get(LIST_URL).status_code == 403
    assert client_for(make_user("staffer", staff=True)).get(LIST_URL).status_code == 403


def test_user_with_view_permission_sees_only_own_tasks() -> None:
    alice = make_user("alice", "view_taskrecord")
    bob = make_user("bob", "view_taskrecord")
    mine = make_task(alice)
    theirs = make_task(bob)
    unowned = make_task(None)

    response = client_for(alice).get(LIST_URL)

    assert response.status_code == 200
    names = row_names(response.content.decode())
    assert names == [mine.task_name]
    assert theirs.task_name not in response.content.decode()
    assert unowned.task_name not in response.content.decode()


def test_staff_and_view_all_holders_see_every_task() -> None:
    alice = make_user("alice", "view_taskrecord")
    tasks = {make_task(alice).task_name, make_task(None).task_name}
    for viewer in (
        make_user("staff", "view_taskrecord", staff=True),
        make_user("auditor", "view_taskrecord", "view_all_taskrecords"),
    ):
        names = row_names(client_for(viewer).get(LIST_URL).content.decode())
        assert set(names) == tasks, viewer.username


def test_detail_of_another_users_task_is_not_found() -> None:
    alice = make_user("alice", "view_taskrecord")
    bob = make_user("bob", "view_taskrecord")
    theirs = make_task(bob, message="bob's secret work")
    url = reverse("powercrud_signals:task_detail", args=[theirs.task_name])

    response = client_for(alice).get(url)

    assert response.status_code == 404
    assert b"bob's secret work" not in response.content
    assert client_for(bob).get(url).status_code == 200


# --------------------------------------------------------------------- list contents


def test_list_is_newest_first_and_paginated() -> None:
    viewer = make_user("staff", "view_taskrecord", staff=True)
    base = timezone.now()
    created = [make_task(None, created_at=base - timedelta(minutes=i)) for i in range(30)]

    first = client_for(viewer).get(LIST_URL)
    second = client_for(viewer).get(LIST_URL, {"page": 2})

    assert row_names(first.content.decode()) == [t.task_name for t in created[:25]]
    assert row_names(second.content.decode()) == [t.task_name for t in created[25:]]
    assert "Page 1 of 2" in first.content.decode()


def test_row_shows_badge_progress_user_affected_and_duration() -> None:
    alice = make_user("alice", "view_taskrecord")
    start = timezone.now() - timedelta(seconds=90)
    make_task(
        alice,
        status="in_progress",
        progress_payload="updating: 50/200",
        progress_current=50,
        progress_total=200,
        affected_objects="200 books",
        started_at=start,
    )
    html = client_for(alice).get(LIST_URL).content.decode()

    assert 'class="pcs-badge pcs-badge--in_progress"' in html
    assert ">Running<" in html
    assert 'max="100" value="25"' in html
    assert "50 / 200 · 25%" in html
    assert "200 books" in html
    assert "alice" in html
    assert re.search(r"1 min 3\d s", html)


def test_progress_text_without_numbers_is_shown_as_text() -> None:
    alice = make_user("alice", "view_taskrecord")
    make_task(
        alice,
        status="failed",
        progress_payload="failed update: boom",
        message="Task returned False",
    )
    html = client_for(alice).get(LIST_URL).content.decode()
    assert "failed update: boom" in html
    assert "<progress" not in html
    assert "Task returned False" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "failed"}, {"failed"}),
        ({"status": "success"}, {"ok-old", "ok-new"}),
        ({"q": "NEW"}, {"ok-new"}),
        ({"since": "2026-03-02"}, {"ok-new", "failed"}),
        ({"until": "2026-03-01"}, {"ok-old"}),
        ({"status": "bogus"}, {"ok-old", "ok-new", "failed"}),  # invalid filter: ignored
    ],
)
def test_filters(params: dict[str, str], expected: set[str]) -> None:
    viewer = make_user("staff", "view_taskrecord", staff=True)
    day = datetime(2026, 3, 1, 12, tzinfo=UTC)
    make_task(None, task_name="ok-old", created_at=day)
    make_task(None, task_name="ok-new", created_at=day + timedelta(days=2))
    make_task(None, task_name="failed", status="failed", created_at=day + timedelta(days=1))

    html = client_for(viewer).get(LIST_URL, params).content.decode()

    assert set(row_names(html)) == expected


def test_user_filter_is_offered_to_privileged_viewers_only() -> None:
    alice = make_user("alice", "view_taskrecord")
    bob = make_user("bob", "view_taskrecord")
    staff = make_user("staff", "view_taskrecord", staff=True)
    alices = make_task(alice)
    make_task(bob)

    staff_page = client_for(staff).get(LIST_URL, {"user": alice.pk}).content.decode()
    assert row_names(staff_page) == [alices.task_name]
    assert f'<option value="{bob.pk}">bob</option>' in staff_page

    # The refreshed table (htmx) filters the same way, without listing the users.
    fragment = client_for(staff).get(LIST_URL, {"user": alice.pk}, headers={"HX-Request": "true"})
    assert row_names(fragment.content.decode()) == [alices.task_name]

    alice_page = client_for(alice).get(LIST_URL).content.decode()
    assert 'name="user"' not in alice_page
    # A non-privileged user cannot widen the view with the parameter either.
    assert row_names(client_for(alice).get(LIST_URL, {"user": bob.pk}).content.decode()) == [
        alices.task_name
    ]


# --------------------------------------------------------------------------- polling


def test_list_polls_while_a_task_is_in_flight_and_stops_after() -> None:
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice, status="pending")
    client = client_for(alice)

    page = client.get(LIST_URL).content.decode()
    assert 'data-in-flight="true"' in page
    assert 'hx-trigger="every 2s"' in page

    task.status = "success"
    task.save()
    fragment = client.get(LIST_URL, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'id="pcs-task-table"' in body
    assert "<html" not in body
    assert 'data-in-flight="false"' in body
    assert "hx-trigger" not in body


def test_list_without_running_tasks_does_not_poll() -> None:
    alice = make_user("alice", "view_taskrecord")
    make_task(alice, status="failed")
    page = client_for(alice).get(LIST_URL).content.decode()
    assert "hx-trigger" not in page
    assert "django_htmx/htmx-2.min.js" in page  # the default base loads htmx for polling


def test_a_row_without_status_polls_until_it_is_cleaned_up() -> None:
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice, status=None)
    client = client_for(alice)
    assert 'data-in-flight="true"' in client.get(LIST_URL).content.decode()
    task.cleaned_up = True
    task.save()
    assert 'data-in-flight="false"' in client.get(LIST_URL).content.decode()


def test_detail_polls_while_running() -> None:
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice, status="in_progress")
    url = reverse("powercrud_signals:task_detail", args=[task.task_name])
    assert 'hx-trigger="every 2s"' in client_for(alice).get(url).content.decode()
    task.status = "failed"
    task.save()
    fragment = client_for(alice).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "<html" not in fragment


# -------------------------------------------------------------------- detail, escaping


def test_detail_shows_payloads_as_indented_json_and_the_failure() -> None:
    alice = make_user("alice", "view_taskrecord")
    task = make_task(
        alice,
        status="failed",
        message="Task returned False: failed update: boom",
        task_args=["app.Book", [1, 2]],
        task_kwargs={"api_token": "********", "field": "title"},
        result_payload={"updated": 0},
        q2_task_id="abc123",
        attempt=1,
    )
    html = (
        client_for(alice)
        .get(reverse("powercrud_signals:task_detail", args=[task.task_name]))
        .content.decode()
    )

    assert "Failure:" in html and "Task returned False: failed update: boom" in html
    assert "[\n  &quot;app.Book&quot;,\n  [1, 2]\n]" in html
    assert "&quot;api_token&quot;: &quot;********&quot;" in html
    assert "&quot;updated&quot;: 0" in html
    assert "abc123" in html


def test_long_lists_of_plain_values_wrap_instead_of_one_line_each() -> None:
    from powercrud_signals.templatetags.powercrud_signals_tags import pretty_json

    ids = [str(n) for n in range(1, 201)]
    text = pretty_json({"model": "app.Book", "ids": ids, "nested": [{"a": 1}]})

    assert json.loads(text) == {"model": "app.Book", "ids": ids, "nested": [{"a": 1}]}
    lines = text.splitlines()
    assert len(lines) < 40
    assert max(len(line) for line in lines) <= 88
    assert pretty_json(None) == "" and pretty_json([]) == "[]" and pretty_json("x") == '"x"'


def test_everything_a_task_wrote_is_escaped() -> None:
    alice = make_user("alice", "view_taskrecord")
    evil = "<script>alert(1)</script>"
    task = make_task(
        alice,
        status="failed",
        message=evil,
        progress_payload=evil,
        affected_objects=evil,
        user_label=evil,
        task_kwargs={"x": evil},
        result_payload=evil,
    )
    client = client_for(alice)
    pages = [
        client.get(LIST_URL).content.decode(),
        client.get(
            reverse("powercrud_signals:task_detail", args=[task.task_name])
        ).content.decode(),
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dashboard_refuses_state_changing_methods() -> None:
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice)
    client = client_for(alice)
    assert client.post(LIST_URL).status_code == 405
    url = reverse("powercrud_signals:task_detail", args=[task.task_name])
    assert client.post(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert TaskRecord.objects.filter(pk=task.pk).exists()


def test_a_task_name_with_a_slash_neither_breaks_the_list_nor_hides_its_page() -> None:
    """Task names come from the manager (a bespoke one may use any key): a name holding '/'
    could not be reversed with a ``str`` converter, and the whole list page failed."""
    viewer = make_user("ann", "view_taskrecord", staff=True)
    make_task(viewer, task_name="imports/2026-01-02")
    client = client_for(viewer)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert row_names(response.content.decode()) == ["imports/2026-01-02"]
    detail = client.get(reverse("powercrud_signals:task_detail", args=["imports/2026-01-02"]))
    assert detail.status_code == 200
    assert "imports/2026-01-02" in detail.content.decode()


def test_page_and_fragment_share_a_url_so_responses_vary_on_hx_request() -> None:
    """The polling fragment is fetched from the page's own URL: without ``Vary: HX-Request``
    a browser or proxy cache may serve the bare fragment as the page (back button, reload)."""
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice, status="in_progress")
    client = client_for(alice)
    detail = reverse("powercrud_signals:task_detail", args=[task.task_name])
    for url in (LIST_URL, detail):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
            assert "hx-request" in vary, (url, headers, response.get("Vary"))


def test_boosted_navigation_gets_the_whole_page_not_the_polling_fragment() -> None:
    """A site using ``hx-boost`` sends HX-Request on ordinary link clicks too (with
    HX-Boosted), and so does htmx's history restore: answering those with the polling
    fragment replaced the page's body with it."""
    alice = make_user("alice", "view_taskrecord")
    task = make_task(alice, status="success")
    client = client_for(alice)
    detail = reverse("powercrud_signals:task_detail", args=[task.task_name])
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    for url in (LIST_URL, detail):
        for headers in (boosted, restore):
            body = client.get(url, headers=headers).content.decode()
            assert "<html" in body and "pcs-dashboard" in body, (url, headers)
