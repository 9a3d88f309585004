"""Every database constraint in our apps has a test, and the migrations declare the same ones.

A new constraint without a test that names it fails here, so the rule it encodes is proved
(by a test in some ``childindex/<app>/tests/test_*.py`` that mentions its name in quotes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

import childindex

OUR_APPS = [config for config in apps.get_app_configs() if config.name.startswith("childindex.")]
THIS_FILE = Path(__file__).resolve()


def constraints_in_models() -> set[tuple[str, str]]:
    return {
        (model._meta.label_lower, constraint.name)
        for config in OUR_APPS
        for model in config.get_models()
        for constraint in model._meta.constraints
    }


def constraints_in_migrations() -> set[tuple[str, str]]:
    labels = {config.label for config in OUR_APPS}
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    return {
        (f"{app_label}.{model_name}", constraint.name)
        for (app_label, model_name), model_state in state.models.items()
        if app_label in labels
        for constraint in model_state.options.get("constraints", [])
    }


def test_our_models_declare_constraints_at_all():
    """Guards the two tests below against passing over an empty list."""
    assert len(constraints_in_models()) >= 50


def test_migrations_create_exactly_the_constraints_the_models_declare():
    assert constraints_in_migrations() == constraints_in_models()


def test_every_constraint_is_named_by_a_test():
    package = Path(childindex.__file__).resolve().parent
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(package.glob("*/tests/test_*.py"))
        if path.resolve() != THIS_FILE
    )
    untested = sorted(
        f"{model}: {name}" for model, name in constraints_in_models() if f'"{name}"' not in sources
    )
    assert not untested, "constraints without a test that names them:\n" + "\n".join(untested)


@pytest.mark.django_db
def test_models_need_no_new_migration():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exc:  # --check exits non-zero when a migration is missing
        pytest.fail(f"a model change has no migration (makemigrations --check exit {exc.code})")
