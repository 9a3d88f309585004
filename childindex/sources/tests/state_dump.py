"""Print the database's feed state in canonical form (JSON), for the kill-and-resume test.

    python -m childindex.sources.tests.state_dump GENERATED_DIR

Database ids and new children's random index numbers differ between two runs that did the
same thing, so children are named by what they are: a loaded child by its index number (the
generator's file names it), a child a feed created by the source record that created it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path


def dump(generated: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
    django.setup()
    from childindex.audit.models import AuditEvent
    from childindex.records.models import Child, ChildIdentifier, ChildName, Involvement
    from childindex.sources.models import (
        ImportRun,
        LinkMethod,
        RejectedRow,
        ReviewItem,
        SourceLink,
        SourceRecord,
    )

    with (generated / "children.csv").open(encoding="utf-8") as handle:
        loaded = {row["child_id"] for row in csv.DictReader(handle)}
    creator = {
        child: f"new:{key}"
        for child, key in SourceLink.objects.filter(method=LinkMethod.CREATED).values_list(
            "child_id", "source_record__key"
        )
    }
    numbers = dict(Child.objects.values_list("pk", "index_number"))

    def name(pk):
        if pk is None:
            return None
        number = numbers[pk]
        return number if number in loaded else creator.get(pk, f"unexplained:{number}")

    by_number = {v: name(k) for k, v in numbers.items()}
    involvements = {
        pk: (name(c), s, str(st))
        for pk, c, s, st in Involvement.objects.values_list(
            "pk", "child_id", "service_id", "started_on"
        )
    }
    runs = {
        pk: i for i, pk in enumerate(ImportRun.objects.order_by("pk").values_list("pk", flat=True))
    }
    return {
        "children": sorted(name(pk) for pk in numbers),
        "names": sorted(
            (name(c), k, g, f)
            for c, k, g, f in ChildName.objects.values_list(
                "child_id", "kind", "given_names", "family_name"
            )
        ),
        "identifiers": sorted(
            (name(c), t, i, v)
            for c, t, i, v in ChildIdentifier.objects.values_list(
                "child_id", "type", "issuer", "value"
            )
        ),
        "involvements": sorted(
            (name(c), s, str(st), str(e))
            for c, s, st, e in Involvement.objects.values_list(
                "child_id", "service_id", "started_on", "ended_on"
            )
        ),
        "records": sorted(
            (k, st, r, h, name(c), involvements.get(i), runs.get(w), sh)
            for k, st, r, h, c, i, w, sh in SourceRecord.objects.values_list(
                "key",
                "status",
                "row_number",
                "values_sha256",
                "child_id",
                "involvement_id",
                "withdrawn_run_id",
                "shielded",
            )
        ),
        "links": sorted(
            (k, name(c), m, w, u is None)
            for k, c, m, w, u in SourceLink.objects.values_list(
                "source_record__key", "child_id", "method", "weight", "unlinked_at"
            )
        ),
        "reviews": sorted(
            (
                k,
                cause,
                sh,
                json.dumps(
                    sorted((name(c.get("child_id")), c["weight"]) for c in cands), default=str
                ),
            )
            for k, cause, sh, cands in ReviewItem.objects.values_list(
                "source_record__key", "cause", "shielded", "candidates"
            )
        ),
        "rejected": sorted(
            RejectedRow.objects.values_list("row_number", "line_number", "key", "reason")
        ),
        "runs": sorted(
            (st, rt, rd, a, b, c, d, e, f, g)
            for st, rt, rd, a, b, c, d, e, f, g in ImportRun.objects.values_list(
                "status",
                "rows_total",
                "rows_done",
                "read",
                "linked",
                "created",
                "sent_to_review",
                "rejected",
                "unchanged",
                "ended",
            )
        ),
        "audit": sorted(
            (
                a,
                sorted(by_number.get(n, n) for n in ch),
                json.dumps({k: v for k, v in d.items() if k not in {"run"}}, sort_keys=True),
            )
            for a, ch, d in AuditEvent.objects.values_list("action", "children", "detail")
        ),
    }


if __name__ == "__main__":
    print(json.dumps(dump(Path(sys.argv[1])), default=str))
