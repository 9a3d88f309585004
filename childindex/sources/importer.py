"""The import engine's old address: ``childindex.sources.importing`` is the package."""

from childindex.sources.importing import (  # noqa: F401 - re-exported for callers of the old name
    CHUNK_ROWS,
    FeedImportError,
    feed_import,
    run_counts,
)
