"""The reader's project, as the documentation's examples show it (run by the test suite)."""
