"""Writes for feeds and linkage: the linkage model and thresholds, review decisions, merges.

Each service is keyword-only, runs in one transaction and writes its audit event. Imports
themselves are in the ``importing`` package (a long-running service in chunks, each its own
transaction). One module a concern: ``linkage`` (the model, the thresholds, the re-link dry
run), ``review`` (review decisions), ``merges`` (merge and unmerge), ``exports`` (the links
and review work lists as CSV files).
"""

from __future__ import annotations

from childindex.sources.linkage_config import linkage_model_active, thresholds_for
from childindex.sources.services.exports import ExportRefused, links_export, review_export
from childindex.sources.services.linkage import (
    DryRun,
    linkage_model_activate,
    linkage_model_train,
    linkage_thresholds_set,
    relink_dry_run,
)
from childindex.sources.services.merges import child_merge, child_unmerge
from childindex.sources.services.review import review_decide

__all__ = [
    "DryRun",
    "ExportRefused",
    "child_merge",
    "child_unmerge",
    "linkage_model_activate",
    "linkage_model_active",
    "linkage_model_train",
    "linkage_thresholds_set",
    "links_export",
    "relink_dry_run",
    "review_decide",
    "review_export",
    "thresholds_for",
]
