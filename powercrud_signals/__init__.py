"""powercrud-signals: a Django signal for every PowerCRUD / django-q2 async task transition.

Import the signals from ``powercrud_signals.signals`` and the event from
``powercrud_signals.events``; this package module stays empty so importing it never needs
configured settings.
"""

__version__ = "0.1.0.dev0"
