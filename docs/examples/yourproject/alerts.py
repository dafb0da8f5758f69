"""Stands in for the project's pager or chat integration in the examples."""

import logging

logger = logging.getLogger("yourproject.alerts")


def send_alert(text):
    logger.error("ALERT %s", text)
