"""The import engine: a feed file read in chunks (``run``), its rows parsed (``parse``),
scored and decided against the index (``linkage``, ``decide``) and written (``write``)."""

from childindex.sources.importing.linkage import INDEX_BATCH, Linkage, chunks
from childindex.sources.importing.run import (
    CHUNK_ROWS,
    IMPORT_LABEL,
    FeedImportError,
    Importer,
    feed_from_mapping,
    feed_import,
    run_counts,
)
from childindex.sources.importing.write import Writer

__all__ = [
    "CHUNK_ROWS",
    "IMPORT_LABEL",
    "INDEX_BATCH",
    "FeedImportError",
    "Importer",
    "Linkage",
    "Writer",
    "chunks",
    "feed_from_mapping",
    "feed_import",
    "run_counts",
]
