"""Users of the index, their role, and the prerequisites of access (§1, §3 of the design).

An account works only while approved by its LA's index team, with an in-date enhanced DBS
check (three years), completed training and two-factor enrolment. The rules that use these
fields live in ``access.policy``; this module only holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    CHILD_PROTECTION = "child_protection", "Child-protection practitioner"
    INDEX_TEAM = "index_team", "LA index team"
    AUDITOR = "auditor", "Auditor"
    NATIONAL_OPERATOR = "national_operator", "National operator"


class User(AbstractUser):
    """A person who signs in. Belongs to one LA and (for practitioners) one organisation."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    local_authority = models.ForeignKey(
        "directory.LocalAuthority",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text="Every account but a national operator's belongs to an LA.",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    practitioner = models.OneToOneField(
        "directory.Practitioner",
        on_delete=models.PROTECT,
        related_name="user",
        null=True,
        blank=True,
    )
    approved_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suspended_on = models.DateField(null=True, blank=True)
    dbs_checked_on = models.DateField(
        "enhanced DBS check", null=True, blank=True, help_text="Valid for three years."
    )
    training_completed_on = models.DateField(null=True, blank=True)
    system_account = models.BooleanField(
        default=False,
        help_text="The account of a connected system (an API client), never a person's.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_is_known"),
            models.CheckConstraint(
                condition=Q(is_superuser=True)
                | Q(role=Role.NATIONAL_OPERATOR)
                | Q(local_authority__isnull=False),
                name="user_belongs_to_an_la",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    if TYPE_CHECKING:

        def is_verified(self) -> bool:
            """Two-factor confirmed this session: set on ``request.user`` by django-otp's
            ``OTPMiddleware`` (declared here for the type checker only)."""
            ...

    def clean(self) -> None:
        super().clean()
        # The constraint user_belongs_to_an_la, as a message: forms that leave out
        # is_superuser (the admin's add form) skip the constraint's own validation.
        needs_la = not self.is_superuser and self.role != Role.NATIONAL_OPERATOR
        if needs_la and self.local_authority_id is None:
            raise ValidationError(
                {"local_authority": "Choose the local authority this account belongs to."}
            )


class UserSession(models.Model):
    """A live session of a signed-in user, so that sign-out and suspension end it server-side.

    Django keeps sessions by key only; this row says whose a key is. It is written at sign-in,
    moved when the key rotates (after two-factor) and removed with the session.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="live_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"session of {self.user} since {self.started_at:%Y-%m-%d %H:%M}"


class ShieldOverrideReason(models.TextChoices):
    """Why a child-protection practitioner overrides a shield: a closed list, never free text
    about the child."""

    IMMEDIATE_RISK = "immediate_risk", "The child may be at immediate risk of significant harm"
    SECTION_47 = "section_47", "A section 47 child protection enquiry is under way"
    EMERGENCY_PROTECTION = "emergency_protection", "Police or emergency protection is being used"
    MISSING_CHILD = "missing_child", "The child has been reported missing"


class EnrolmentCode(models.Model):
    """A one-time code the LA's index team gives an account holder to set up two-factor
    (issue 15, finding 6: a password alone enrolled a second factor, after every reset too).

    Printed once to the index team and never stored: only its SHA-256 (the code is random,
    about 78 bits, so a plain hash is enough). It expires 72 hours after issue and works once;
    issuing a new one ends any earlier unused code."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_sha256 = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enrolment code for {self.user} issued {self.issued_at:%Y-%m-%d %H:%M}"


class AgreementAcceptance(models.Model):
    """One acceptance of the index's acceptable-use terms (issue 17): who, when, which version.
    Append-only: a user accepts at first sign-in, again each year and when the terms change;
    each is a new row, so the index team can see the whole history (``access.agreement``)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agreements")
    version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        indexes = [models.Index(fields=["user", "-accepted_at"], name="agreement_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.user} accepted version {self.version} at {self.accepted_at:%Y-%m-%d %H:%M}"
