"""Whatever a task carries, an event is built and sent, and nothing raises into PowerCRUD."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from powercrud_signals.manager import SignalAsyncManager
from powercrud_signals.testing import capture_events
from tests.lifecycle_payloads import powercrud_payload


class Hostile:
    """An object whose every dunder a careless serialiser might call raises."""

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq")

    def __hash__(self) -> int:
        raise RuntimeError("hash")

    def __str__(self) -> str:
        raise RuntimeError("str")

    def __repr__(self) -> str:  # hypothesis needs it to report a failing example
        return "Hostile()"

    def __len__(self) -> int:
        raise RuntimeError("len")

    def __iter__(self) -> Any:
        raise RuntimeError("iter")


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.decimals(),
    st.datetimes(),
    st.builds(Hostile),
    st.builds(object),
    st.just(float("nan")),
    st.text(alphabet="\x00\ud800abc", max_size=20),
)
values = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.lists(kids), st.dictionaries(st.text(max_size=12), kids), st.tuples(kids)
    ),
    max_leaves=25,
)
kinds = st.sampled_from(["create", "progress", "complete", "fail", "cleanup", "error"])
statuses = st.one_of(
    st.none(), st.sampled_from(["pending", "in_progress", "success", "failed"]), values
)


@settings(max_examples=300, deadline=None)
@given(
    kind=kinds,
    task_name=st.one_of(st.text(), values),
    status=statuses,
    message=values,
    progress=values,
    user=values,
    affected=values,
    args=values,
    kwargs=values,
    result=values,
    extra=values,
    q2_id=values,
    attempt=values,
)
def test_any_payload_yields_one_storable_event(**fields: Any) -> None:
    manager = SignalAsyncManager()
    with capture_events() as events:
        manager._emit_lifecycle(  # PowerCRUD's own entry point, as its code paths call it
            **powercrud_payload(fields),
            unexpected_key=fields["extra"],
        )
    assert len(events) == 1
    event = events[0]
    text = json.dumps(event.as_dict(), allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    assert "\\u0000" not in text
    assert isinstance(event.task_name, str) and isinstance(event.message, str)
