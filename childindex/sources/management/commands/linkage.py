"""`childindex linkage ...`: the linkage model's versions and each LA's thresholds.

    childindex linkage models                         # the versions, the active one marked
    childindex linkage train                          # EM on the index: a new, inactive version
    childindex linkage activate --version N --la CODE # dry run for that LA; --apply to activate
    childindex linkage thresholds --la CODE --upper U --lower L [--apply]

Changing the model or an LA's thresholds first shows a dry run: how many of the LA's records
linked by the model, and of its open review items, would link elsewhere, go to review, or
link. Nothing changes without --apply; records already linked keep their child (a person
decides on any that the dry run lists).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from childindex.directory.models import LocalAuthority
from childindex.linkage.decide import Thresholds
from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.models import LinkageModel
from childindex.sources.services import (
    DryRun,
    linkage_model_activate,
    linkage_model_active,
    linkage_model_train,
    linkage_thresholds_set,
    relink_dry_run,
    thresholds_for,
)

LABEL = "childindex linkage"


class Command(OneLineCommand):
    help = "The linkage model's versions (train, activate) and each LA's thresholds."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        subs.add_parser("models", help="list the model versions")
        train = subs.add_parser("train", help="train a new version by EM on the index")
        train.add_argument("--max-pairs", type=float, default=2e6)
        activate = subs.add_parser("activate", help="dry run, then (--apply) activate")
        activate.add_argument("--version", type=int, required=True)
        activate.add_argument("--la", required=True, metavar="CODE")
        activate.add_argument("--apply", action="store_true")
        thresholds = subs.add_parser("thresholds", help="dry run, then (--apply) set")
        thresholds.add_argument("--la", required=True, metavar="CODE")
        thresholds.add_argument("--upper", type=float, required=True)
        thresholds.add_argument("--lower", type=float, required=True)
        thresholds.add_argument("--apply", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "models":
                self._models()
            elif action == "train":
                model = linkage_model_train(actor_label=LABEL, max_pairs=options["max_pairs"])
                self.stdout.write(
                    f"Trained version {model.version}: {model.description}. "
                    f"See what it would re-link: childindex linkage activate "
                    f"--version {model.version} --la CODE"
                )
            elif action == "activate":
                self._activate(options)
            else:
                self._thresholds(options)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None

    def _la(self, code: str) -> LocalAuthority:
        la = LocalAuthority.objects.filter(code=code.strip().upper()).first()
        if la is None:
            raise CommandError(f"no local authority {code}")
        return la

    def _models(self) -> None:
        linkage_model_active()
        for model in LinkageModel.objects.order_by("version"):
            mark = "*" if model.active else " "
            self.stdout.write(
                f"{mark} v{model.version} {model.created_at:%Y-%m-%d %H:%M} {model.description}"
            )

    def _report(self, dry: DryRun, what: str) -> None:
        self.stdout.write(
            f"Dry run ({what}): {dry.records:,} records looked at, {dry.unchanged:,} unchanged."
        )
        for change, count in sorted(dry.changes.items()):
            self.stdout.write(f"  {change}: {count:,}")
        for example in dry.examples:
            self.stdout.write(
                f"    {example['feed']} {example['key']}: {example['before']} -> {example['after']}"
            )

    def _activate(self, options: dict[str, Any]) -> None:
        model = LinkageModel.objects.filter(version=options["version"]).first()
        if model is None:
            raise CommandError(f"no linkage model version {options['version']}")
        la = self._la(options["la"])
        self._report(
            relink_dry_run(local_authority=la, model=model, actor_label=LABEL),
            f"model v{model.version} for {la.code}",
        )
        if options["apply"]:
            linkage_model_activate(actor_label=LABEL, model=model)
            self.stdout.write(f"Version {model.version} is now the active model.")
        else:
            self.stdout.write("Nothing changed: add --apply to activate it.")

    def _thresholds(self, options: dict[str, Any]) -> None:
        la = self._la(options["la"])
        try:
            wanted = Thresholds(upper=options["upper"], lower=options["lower"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        current = thresholds_for(la.pk)
        self._report(
            relink_dry_run(local_authority=la, thresholds=wanted, actor_label=LABEL),
            f"{la.code} from {current.upper}/{current.lower} to {wanted.upper}/{wanted.lower}",
        )
        if options["apply"]:
            linkage_thresholds_set(
                actor_label=LABEL, local_authority=la, upper=wanted.upper, lower=wanted.lower
            )
            self.stdout.write(f"{la.code}'s thresholds are now {wanted.upper}/{wanted.lower}.")
        else:
            self.stdout.write("Nothing changed: add --apply to set them.")
