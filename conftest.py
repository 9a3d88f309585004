"""Root conftest: the suite always runs in test mode."""

import os

os.environ.setdefault("CHILDINDEX_MODE", "test")

# The audit tables are append-only (database triggers); the plugin lets the test runner's flush
# empty them between transactional tests.
pytest_plugins = ["childindex.audit.testing"]
