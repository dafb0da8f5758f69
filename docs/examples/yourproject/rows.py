"""Stands in for the real work of the example tasks."""


def import_row(row):
    """Import one row (nothing to do in the example)."""
