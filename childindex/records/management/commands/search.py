"""`childindex search --as USERNAME [--dob D] [--postcode P] [--gender G] [--identifier ID] NAME...`

The operators' search: the same selector as the web UI (so the same policy, ranking and audit),
run as a named user. Prints ranked candidates with index number and score.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from childindex.access.models import User
from childindex.records.search import SearchCriteriaError, parse_criteria
from childindex.records.selectors import AccessRefused, child_search, child_search_invalid


class Command(BaseCommand):
    help = "Find a child as a named user (criteria as on the web form); audited."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="*", help="the child's names, in any order")
        parser.add_argument("--as", dest="username", help="the operator's username (required)")
        parser.add_argument("--dob", default="", help="date of birth YYYY-MM-DD, or a year YYYY")
        parser.add_argument("--postcode", default="", help="a full postcode or a district")
        parser.add_argument("--gender", default="", help="female, male or not_specified")
        parser.add_argument("--identifier", default="", help="index, NHS, CHI, H&C number or UPN")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        if not options["username"]:
            raise CommandError("say who is searching: --as USERNAME (every search is audited)")
        actor = User.objects.filter(username=options["username"]).first()
        if actor is None:
            raise CommandError(f"no user called {options['username'][:40]!r}")
        try:
            criteria = parse_criteria(
                name=" ".join(options["name"]),
                date_of_birth=options["dob"],
                postcode=options["postcode"],
                gender=options["gender"],
                identifier=options["identifier"],
            )
        except SearchCriteriaError as exc:
            child_search_invalid(actor=actor, fields=list(exc.errors))
            raise CommandError("; ".join(exc.errors.values())) from exc
        try:
            matches = child_search(actor=actor, criteria=criteria)
        except AccessRefused as exc:
            raise CommandError(" ".join(exc.reasons)) from exc
        if options["json"]:
            rows = [
                {
                    "index_number": m.index_number,
                    "score": m.score,
                    "given_names": m.given_names,
                    "family_name": m.family_name,
                    "date_of_birth": m.date_of_birth.isoformat(),
                    "gender": m.gender,
                    "town": m.town if m.details_visible else None,
                    "local_authority": m.local_authority,
                    "shielded": not m.details_visible,
                }
                for m in matches
            ]
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not matches:
            self.stdout.write("No match.")
            return
        for m in matches:
            town = m.town if m.details_visible else "(shielded)"
            self.stdout.write(
                f"{m.formatted_index_number}  {m.score:3d}%  {m.given_names} {m.family_name}  "
                f"{m.date_of_birth:%d/%m/%Y}  {m.gender_label}  {town}  {m.local_authority}"
            )
