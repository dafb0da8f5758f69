"""Operations on async work after the fact: reconciliation, retention and lock cleanup.

The management commands and the django-q2 schedule helper are thin shells around these
modules, so the same code runs from ``manage.py``, from cron and from a django-q2 schedule.
"""
