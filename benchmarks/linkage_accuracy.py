"""Linkage accuracy against the generator's truth: precision, recall, review share, false links
by cause, twins merged.

    PYTHONPATH=. CHILDINDEX_MODE=test python benchmarks/linkage_accuracy.py --generated DIR \
        [--feeds gp_registrations ...] [--json]

Reads DIR/truth.csv and DIR/children.csv (the generator's files) and the configured database
(after `childindex feed import` of the feeds). Two measures:

- record level: a feed row is a true link when it is linked to the child the truth names,
  a false link when linked to any other child; recall counts every row (rows in review,
  rejected or unlinked count as not linked).
- pairwise: pairs of records (feed rows, and the index's children where the index was loaded
  from the same files) in one cluster (one child), against pairs in one true cluster.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
os.environ.setdefault("CHILDINDEX_MODE", "test")


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def measure(generated: Path, feeds: list[str] | None = None) -> dict:
    import django

    django.setup()
    from childindex.sources.models import RecordStatus, ReviewItem, ReviewStatus, SourceRecord

    truth: dict[tuple[str, str], tuple[str, str]] = {}
    with (generated / "truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if feeds and row["source"] not in feeds:
                continue
            truth[(row["source"], row["source_record_id"])] = (row["child_id"], row["errors"])
    family: dict[str, str] = {}
    twin: dict[str, str] = {}
    with (generated / "children.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            family[row["child_id"]] = row["family_id"]
            if row["twin_of"]:
                twin[row["child_id"]] = row["twin_of"]

    predicted: dict[tuple[str, str], str] = {}
    status: dict[tuple[str, str], str] = {}
    for name, key, state, number in SourceRecord.objects.values_list(
        "feed__name", "key", "status", "child__index_number"
    ).iterator(chunk_size=10000):
        status[(name, key)] = state
        if state == RecordStatus.LINKED:
            predicted[(name, key)] = number
    open_reviews = ReviewItem.objects.filter(status=ReviewStatus.OPEN)
    if feeds:
        open_reviews = open_reviews.filter(source_record__feed__name__in=feeds)
    reviews = open_reviews.count()

    tp = fp = 0
    not_linked = Counter()
    false_by_cause: Counter[str] = Counter()
    twins_merged = 0
    missed_by_cause: Counter[str] = Counter()
    for key, (child, errors) in truth.items():
        got = predicted.get(key)
        if got == child:
            tp += 1
            continue
        kinds = errors or "no error"
        if got is None:
            not_linked[status.get(key, "rejected")] += 1
            for kind in kinds.split(";"):
                missed_by_cause[kind] += 1
            continue
        fp += 1
        if twin.get(child) == got or twin.get(got) == child:
            cause = "twin"
            twins_merged += 1
        elif family.get(got) and family.get(got) == family.get(child):
            cause = "sibling"
        elif got not in family:
            cause = "a child created from a feed row"
        else:
            cause = "unrelated child"
        false_by_cause[f"{cause} ({kinds})"] += 1

    # Pairwise: clusters of records (feed rows and, where loaded, the index's children).
    loaded = set(predicted.values()) & set(family)
    true_groups: dict[str, int] = Counter()
    pred_groups: dict[str, int] = Counter()
    joint: dict[tuple[str, str], int] = Counter()
    for key, (child, _) in truth.items():
        true_groups[child] += 1
        got = predicted.get(key)
        if got is not None:
            pred_groups[got] += 1
            joint[(got, child)] += 1
    for child in loaded:
        true_groups[child] += 1
        pred_groups[child] += 1
        joint[(child, child)] += 1
    pair_tp = sum(_pairs(n) for n in joint.values())
    pair_pred = sum(_pairs(n) for n in pred_groups.values())
    pair_true = sum(_pairs(n) for n in true_groups.values())

    # Twins merged among children the feeds created: two twins' rows on one child.
    by_child: dict[str, set[str]] = defaultdict(set)
    for key, got in predicted.items():
        if key in truth:
            by_child[got].add(truth[key][0])
    twins_together = sum(
        1 for members in by_child.values() if any(twin.get(m) in members for m in members)
    )

    rows = len(truth)
    return {
        "rows": rows,
        "linked_true": tp,
        "linked_false": fp,
        "not_linked": dict(not_linked),
        "record_precision": round(tp / (tp + fp), 6) if tp + fp else None,
        "record_recall": round(tp / rows, 6) if rows else None,
        "pairwise_precision": round(pair_tp / pair_pred, 6) if pair_pred else None,
        "pairwise_recall": round(pair_tp / pair_true, 6) if pair_true else None,
        "review_items_open": reviews,
        "review_share": round(reviews / rows, 6) if rows else None,
        "false_links_by_cause": dict(false_by_cause.most_common()),
        "missed_by_error_kind": dict(missed_by_cause.most_common()),
        "twins_linked_as_one": twins_merged + twins_together,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", required=True, type=Path)
    parser.add_argument("--feeds", nargs="*")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.generated, args.feeds)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
