"""Settings for the scripted demo: the test settings' apps on a throwaway SQLite file."""

from tests.settings import *  # noqa: F403

POWERCRUD_SIGNALS = {"RECEIVERS": ["tests.receivers.append_event_line"]}
LOGGING = {"version": 1, "disable_existing_loggers": True}
