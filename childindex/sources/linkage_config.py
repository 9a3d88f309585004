"""The linkage model and thresholds in force: the active model version (version 1, the
comparisons' priors, on a new index) and each LA's thresholds.

Both the services (``sources.services``: training, activation, dry runs, review) and the import
(``sources.importing.run``) need them, and ``sources.services`` imports the ``importing``
package, so they live here, below both. ``sources.services`` re-exports them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.linkage.comparisons import default_settings
from childindex.linkage.decide import DEFAULT_THRESHOLDS, Thresholds
from childindex.sources.models import LinkageModel, LinkageThreshold

SYSTEM_LABEL = "childindex linkage"


def linkage_model_active() -> LinkageModel:
    """The active linkage model; on a new index, version 1: the comparisons' priors."""
    model = LinkageModel.objects.filter(active=True).first()
    if model is not None:
        return model
    with transaction.atomic():
        model = LinkageModel.objects.select_for_update().filter(active=True).first()
        if model is None:
            version = (
                LinkageModel.objects.order_by("-version").values_list("version", flat=True).first()
                or 0
            ) + 1
            model = LinkageModel.objects.create(
                version=version,
                settings=default_settings(),
                created_at=timezone.now(),
                description="Untrained: the comparisons' prior m and u probabilities",
                active=True,
            )
            audit_record(
                actor=None,
                actor_label=SYSTEM_LABEL,
                action=Action.LINKAGE_MODEL_CREATE,
                detail={"version": model.version, "trained": False},
            )
    return model


def thresholds_for(local_authority_id: int | None) -> Thresholds:
    row = LinkageThreshold.objects.filter(local_authority_id=local_authority_id).first()
    return Thresholds(row.upper, row.lower) if row else DEFAULT_THRESHOLDS
