"""JSON-safe conversion, redaction and truncation of whatever a task carries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import uuid
from collections import OrderedDict
from pathlib import PurePosixPath

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from powercrud_signals.payloads import REDACTED, PayloadPolicy, safe_text, scrub_text, to_json_safe

POLICY = PayloadPolicy()


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    secret: str


class BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("no")


class TestConversion:
    def test_scalars(self) -> None:
        when = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
        uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
        value = {
            "dec": decimal.Decimal("1.10"),
            "when": when,
            "day": dt.date(2026, 1, 2),
            "span": dt.timedelta(minutes=1, seconds=30),
            "uid": uid,
            "colour": Colour.RED,
            "lazy": gettext_lazy("Hello"),
            "path": PurePosixPath("/tmp/x"),
            "nan": float("nan"),
            "inf": float("inf"),
            "ok": 1.5,
            "big": 2**300,
            "flag": False,
            "none": None,
        }
        assert to_json_safe(value, POLICY) == {
            "dec": "1.10",
            "when": "2026-11-28T12:00:00+00:00",
            "day": "2026-01-02",
            "span": 90.0,
            "uid": "12345678-1234-5678-1234-567812345678",
            "colour": "red",
            "lazy": "Hello",
            "path": "/tmp/x",
            "nan": "nan",
            "inf": "inf",
            "ok": 1.5,
            "big": "<int of 301 bits>",
            "flag": False,
            "none": None,
        }

    def test_bytes(self) -> None:
        assert to_json_safe(b"hello", POLICY) == "hello"
        assert to_json_safe(bytearray(b"\xff\xfe\x00"), POLICY) == "<3 bytes>"
        assert to_json_safe(memoryview(b"abc"), POLICY) == "abc"

    def test_containers_and_non_string_keys(self) -> None:
        value = OrderedDict([(1, "a"), ("1", "b"), (None, "c"), ((1, 2), "d")])
        assert to_json_safe(value, POLICY) == {"1": "a", "1 (2)": "b", "None": "c", "[1, 2]": "d"}
        assert to_json_safe({3, 1, 2}, POLICY) == [1, 2, 3]
        assert to_json_safe(frozenset({"b", "a"}), POLICY) == ["a", "b"]
        assert to_json_safe((1, [2, (3,)]), POLICY) == [1, [2, [3]]]

    def test_self_reference_is_cut(self) -> None:
        loop: list[object] = [1]
        loop.append(loop)
        mapping: dict[str, object] = {"a": 1}
        mapping["self"] = mapping
        assert to_json_safe(loop, POLICY) == [1, "<recursive reference>"]
        assert to_json_safe(mapping, POLICY) == {"a": 1, "self": "<recursive reference>"}

    def test_shared_but_not_recursive_objects_are_kept(self) -> None:
        shared = [1, 2]
        assert to_json_safe({"a": shared, "b": shared}, POLICY) == {"a": [1, 2], "b": [1, 2]}

    def test_dataclass_fields_are_converted_and_redacted(self) -> None:
        assert to_json_safe(Point(1, "x"), POLICY) == {"x": 1, "secret": REDACTED}

    @pytest.mark.django_db
    def test_model_instance_and_queryset_are_not_evaluated(self, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        from django.contrib.auth.models import User

        user = User(pk=7, username="ann")
        with django_assert_num_queries(0):
            assert to_json_safe(user, POLICY) == {"model": "auth.user", "pk": 7}
            assert to_json_safe(User.objects.all(), POLICY) == {"queryset": "auth.user"}

    def test_unprintable_object_and_generator(self) -> None:
        assert to_json_safe(BrokenStr(), POLICY) == "<unprintable BrokenStr>"
        gen = (i for i in range(3))
        assert to_json_safe(gen, POLICY).startswith("<generator object")
        assert list(gen) == [0, 1, 2]  # never consumed

    def test_depth_items_and_length_are_bounded(self) -> None:
        policy = PayloadPolicy(max_chars=16, max_items=3, max_depth=3)
        deep: list[object] = []
        node = deep
        for _ in range(10):
            child: list[object] = []
            node.append(child)
            node = child
        assert to_json_safe(deep, policy) == [[["<truncated: nested too deep>"]]]
        assert to_json_safe(list(range(5)), policy) == [0, 1, 2, "…+2 more items"]
        assert to_json_safe({"a": 1, "b": 2, "c": 3, "d": 4}, policy) == {
            "a": 1,
            "b": 2,
            "c": 3,
            "…": "+1 more items",
        }
        assert to_json_safe("x" * 20, policy) == "x" * 16 + "…[+4 chars]"

    def test_nul_and_lone_surrogates_become_storable(self) -> None:
        stored = to_json_safe({"s": "a\x00b\ud800c"}, POLICY)
        assert stored == {"s": "a\ufffdb\\ud800c"}
        stored_text = json.dumps(stored, ensure_ascii=False)
        stored_text.encode("utf-8")  # no UnicodeEncodeError
        assert "\\u0000" not in stored_text


class TestRedaction:
    @pytest.mark.parametrize(
        "key",
        [
            "password",
            "PASSWORD",
            "db_password",
            "passwd",
            "api_key",
            "X-Api-Key",
            "apiKey",
            "token",
            "access_token",
            "csrfmiddlewaretoken",
            "client_secret",
            "Authorization",
            "cookie",
            "session_id",
            "sessionid",
            "credentials",
            "private_key",
        ],
    )
    def test_secret_looking_keys_are_masked(self, key: str) -> None:
        assert to_json_safe({key: "value-1234"}, POLICY) == {key: REDACTED}

    @pytest.mark.parametrize("key", ["task_key", "author", "name", "selected_ids", "keyboard"])
    def test_ordinary_keys_are_kept(self, key: str) -> None:
        assert to_json_safe({key: "value"}, POLICY) == {key: "value"}

    def test_nested_structures_and_whole_values_are_masked(self) -> None:
        value = {"outer": [{"credentials": {"user": "u", "pass": "p"}}], "password": None}
        assert to_json_safe(value, POLICY) == {
            "outer": [{"credentials": REDACTED}],
            "password": None,
        }

    def test_header_pairs_and_command_line_flags(self) -> None:
        headers = [("Authorization", "Bearer abcdefghijk"), ("Accept", "text/html")]
        assert to_json_safe(headers, POLICY) == [
            ["Authorization", REDACTED],
            ["Accept", "text/html"],
        ]
        argv = ["--user", "ann", "--password", "hunter2", "--api-token=xyz12345"]
        assert to_json_safe(argv, POLICY) == [
            "--user",
            "ann",
            "--password",
            REDACTED,
            "--api-token=********",
        ]

    def test_custom_redact_keys(self) -> None:
        policy = PayloadPolicy(redact_keys=("pin",))
        assert to_json_safe({"pin": 1234, "password": "x"}, policy) == {
            "pin": REDACTED,
            "password": "x",
        }

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Authorization: Bearer abc.def-ghi", "Authorization: ******** ********"),
            ("curl -H 'X-Api-Key: k-123456'", "curl -H 'X-Api-Key: ********'"),
            ("{'password': 'hunter2', 'n': 1}", "{'password': '********', 'n': 1}"),
            ("redis://:p4ss@127.0.0.1:6379/0", "redis://:********@127.0.0.1:6379/0"),
            (
                "https://example.org/?a=1&token=zzz999&b=2",
                "https://example.org/?a=1&token=********&b=2",
            ),
            ("updating: 5/1000", "updating: 5/1000"),
            ("Task queued", "Task queued"),
            # Python reprs of bytes and raw strings, as exception messages print them.
            ("{'auth_token': b'abc12345'}", "{'auth_token': b'********'}"),
            ('KeyError: {"password": b"hunter2"}', 'KeyError: {"password": b"********"}'),
            ("secret=rb'x9y8z7'", "secret=rb'********'"),
            ("password=bob, n=1", "password=********, n=1"),
        ],
    )
    def test_secrets_inside_free_text(self, text: str, expected: str) -> None:
        assert scrub_text(text, POLICY) == expected

    @pytest.mark.parametrize(
        "secret_text",
        [
            "error: password='hunter2-is-my-secret' rest",
            "connect redis://:supersecretpassword@host:6379/0",
            'login failed {"api_key": "sk-live-1234567890"}',
        ],
    )
    @pytest.mark.parametrize("offset", range(0, 40, 3))
    def test_a_secret_split_by_truncation_is_still_masked(
        self, secret_text: str, offset: int
    ) -> None:
        """Masking after the cut missed a secret the cut split (a quoted value without its
        closing quote, a URL without its '@'), and kept its first characters."""
        policy = PayloadPolicy(max_chars=40)
        text = "x" * offset + secret_text
        secret = next(
            word
            for word in ("hunter2-is-my-secret", "supersecretpassword", "sk-live-1234567890")
            if word in secret_text
        )
        from powercrud_signals.events import EventKind, build_event

        event = build_event(
            EventKind.FAIL,
            "t",
            {"message": text, "result": text, "progress_payload": text},
            policy=policy,
        )
        for stored in (
            to_json_safe(text, policy),
            to_json_safe(text.encode(), policy),
            event.message,
            event.result,
            event.progress,
        ):
            assert isinstance(stored, str)
            assert not any(secret[:n] in stored for n in range(2, len(secret) + 1)), stored
            assert len(stored) <= 40 + len("…[+99 chars]")

    def test_secrets_in_the_text_of_other_objects_are_masked(self) -> None:
        """Objects without a JSON form are stored as their str(), which is free text too
        (an exception passed as an argument or result, a connection settings object)."""

        class Dsn:
            def __str__(self) -> str:
                return "postgres://app:s3cretpw@db.internal/app"

        converted = to_json_safe(
            {"dsn": Dsn(), "errors": [ValueError("login failed: api_key=sk-9f8e7d6c")]}, POLICY
        )
        assert converted == {
            "dsn": "postgres://app:********@db.internal/app",
            "errors": ["login failed: api_key=********"],
        }

    def test_safe_text_never_raises(self) -> None:
        assert safe_text(BrokenStr(), POLICY) == "<unprintable BrokenStr>"
        assert safe_text(None, POLICY) == "None"


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.decimals(),
    st.datetimes(),
    st.uuids(),
)
anything = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children),
        st.dictionaries(st.one_of(st.text(), st.integers(), st.none()), children),
        st.tuples(children, children),
        st.frozensets(st.one_of(st.integers(), st.text())),
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(anything)
def test_any_payload_becomes_storable_json(value: object) -> None:
    safe = to_json_safe(value, POLICY)
    text = json.dumps(safe, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    assert "\x00" not in text
    assert json.loads(text) == safe


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=4, max_size=40).filter(lambda s: s.strip() == s and s.isprintable()))
def test_a_planted_secret_never_survives(secret: str) -> None:
    value = {
        "kwargs": {"password": secret, "headers": [("Authorization", secret)]},
        "argv": ["--token", secret],
    }
    assert to_json_safe(value, POLICY) == {
        "kwargs": {"password": REDACTED, "headers": [["Authorization", REDACTED]]},
        "argv": ["--token", REDACTED],
    }
