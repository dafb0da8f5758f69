"""Migration path (b): from ModelTrackingAsyncManager + AsyncDashboardConfig to settings
(docs/migration.md).  ``testapp.AsyncTaskRecord`` is the test suite's copy of PowerCRUD's sample
dashboard model; in a project it is the project's own model label."""
