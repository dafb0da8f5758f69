"""The persistence settings with their defaults (docs/persistence.md)."""

# --8<-- [start:defaults]
POWERCRUD_SIGNALS = {
    "PERSISTENCE": {
        "ENABLED": True,  # False: not connected at start-up
        "MODEL": "powercrud_signals.TaskRecord",  # or "yourapp.AsyncTaskRecord"
        "FIELD_MAP": {},  # logical name -> field name (None skips)
        "DATABASE": None,  # None: the model's write database
        "PROGRESS_INTERVAL": 1.0,  # seconds between progress writes per task
        "CREATE_DEFAULTS": {},  # field -> value for a new row's other columns
    },
}
# --8<-- [end:defaults]
