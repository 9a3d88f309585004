"""The closed list of what a consent covers, as the access policy needs it (§2, §3).

Dependency-free: nothing from the project, so ``access.policy`` imports it at module level
while ``consent`` itself sits above ``access``. ``consent.models`` re-exports it.
"""

from __future__ import annotations

from django.db.models import TextChoices


class Scope(TextChoices):
    ADDITIONAL_SERVICES = "additional_services", "Additional services in general"
    NAMED_SERVICE = "named_service", "One named service"
    # The young person's own consent to keep their record live past 18, up to 25 (for
    # example a care leaver): the record is archived at 25, or when the consent is withdrawn.
    RETENTION_TO_25 = "retention_to_25", "Keeping their record until they are 25"
