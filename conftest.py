"""Root conftest: the suite always runs in test mode."""

import os

os.environ.setdefault("CHILDINDEX_MODE", "test")
