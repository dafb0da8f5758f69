"""The dashboard writer: field map, value fitting, the guarded upsert and progress coalescing.

Connect it through ``powercrud_signals.receivers.persistence`` (done at start-up when
``POWERCRUD_SIGNALS["PERSISTENCE"]["ENABLED"]``).  Modules, one reason to change each:

- ``fieldmap``: logical names -> model fields;
- ``values``: fitting a value to its column;
- ``writes``: what an event contributes to its row, and the rule for each logical name;
- ``statements``: the one INSERT ... ON CONFLICT DO UPDATE statement with the guard in SQL;
- ``portable``: the same rules with a row lock, for databases without that statement;
- ``coalescer``: per-task progress coalescing and writes held back from a transaction;
- ``receiver``: ``PersistenceReceiver``, which ties them to a database connection;
- ``checks``: the system check for the persistence settings (E020).
"""
