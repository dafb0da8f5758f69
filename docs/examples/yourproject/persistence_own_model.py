"""Pointing the persistence receiver at a PowerCRUD-style model (docs/persistence.md).

``testapp.AsyncTaskRecord`` is the test suite's copy of PowerCRUD's sample model.
"""

# --8<-- [start:own_model]
POWERCRUD_SIGNALS = {
    "PERSISTENCE": {
        "MODEL": "testapp.AsyncTaskRecord",
        "FIELD_MAP": {"args": None, "kwargs": None},  # only what differs; None skips a field
    },
}
# --8<-- [end:own_model]
