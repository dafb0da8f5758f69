"""Migration path (a): a bespoke AsyncManager subclass, step by step (docs/migration.md).

Each module is the same project file at one step of the migration; the test suite runs
every step through PowerCRUD's own launch and completion-hook code.
"""
