"""Exceptions raised by powercrud-signals."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class PowercrudSignalsError(Exception):
    """Base class of this app's errors; catch it, do not raise it directly."""


class ConfigurationError(PowercrudSignalsError, ImproperlyConfigured):
    """A setting or dotted path cannot be used; the message names what to fix."""


class ReceiverError(PowercrudSignalsError):
    """A lifecycle receiver raised while ``RAISE_RECEIVER_ERRORS`` is on (test suites).

    ``receiver`` is the receiver's dotted name, ``event`` the event it was given; the
    original exception is chained as ``__cause__``.
    """

    def __init__(self, receiver: str, event: object, original: BaseException) -> None:
        self.receiver = receiver
        self.event = event
        self.original = original
        super().__init__(f"receiver {receiver} raised {type(original).__name__}: {original}")
