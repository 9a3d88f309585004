"""The child's record: identity, addresses, identifiers, carers and involvements (§2).

What is held, and nothing more. There is deliberately no field for case notes, reasons for
involvement, assessments' contents, risk or any free text about a child's circumstances.
Reads of these models go through the selectors (and so the access policy); writes go through
the services, which write an audit event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from childindex.core.identifiers import (
    IDENTIFIER_LABELS,
    IdentifierError,
    IdentifierType,
    format_index_number,
    validate_identifier,
    validate_index_number,
)
from childindex.core.models import TimestampedModel
from childindex.core.postcodes import PostcodeError, normalise_postcode
from childindex.records.choices import Basis, ChildStatus


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_SPECIFIED = "not_specified", "Not specified"


class DeathSource(models.TextChoices):
    """Where a recorded date of death came from."""

    REGISTRATION = "registration", "Death registration (GRO, NRS or GRONI)"
    NHS = "nhs", "NHS demographic record"
    FEED = "feed", "A source feed"
    PRACTITIONER = "practitioner", "A practitioner working with the family"
    FAMILY = "family", "The family"


class Child(TimestampedModel):
    """A child in the index, known by a random index number with a Verhoeff check digit.

    A merged record points at the record it was merged into; a shielded record carries the date
    its shielding is next reviewed (only the LA index team shields, with a review date).
    """

    index_number = models.CharField(max_length=11, unique=True, editable=False)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices)
    responsible_la = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(
        max_length=10, choices=ChildStatus.choices, default=ChildStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    date_of_death = models.DateField(null=True, blank=True)
    death_source = models.CharField(max_length=20, choices=DeathSource.choices, blank=True)
    archived_on = models.DateField(null=True, blank=True)
    shielded = models.BooleanField(default=False)
    shield_review_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["date_of_birth"], name="child_dob_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(index_number__regex=r"^[1-9][0-9]{10}\Z"),
                name="child_index_number_11_digits",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="child_gender_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChildStatus.values), name="child_status_is_known"
            ),
            models.CheckConstraint(
                condition=(Q(status=ChildStatus.MERGED) & Q(merged_into__isnull=False))
                | (~Q(status=ChildStatus.MERGED) & Q(merged_into__isnull=True)),
                name="child_merged_iff_merged_into",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="child_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=F("date_of_birth")),
                name="child_dies_after_birth",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChildStatus.DECEASED) | Q(date_of_death__isnull=False),
                name="child_deceased_has_date_of_death",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChildStatus.ARCHIVED) | Q(archived_on__isnull=False),
                name="child_archived_has_date",
            ),
            models.CheckConstraint(
                condition=Q(shielded=False) | Q(shield_review_on__isnull=False),
                name="child_shield_has_review_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Child {self.formatted_index_number}"

    def clean(self) -> None:
        try:
            validate_index_number(self.index_number)
        except IdentifierError as exc:
            raise ValidationError({"index_number": str(exc)}) from exc

    @property
    def formatted_index_number(self) -> str:
        return format_index_number(self.index_number)


class NameKind(models.TextChoices):
    CURRENT = "current", "Current name"
    FORMER = "former", "Former name"
    ALIAS = "alias", "Also known as"


class ChildName(models.Model):
    """A child's name: exactly one current name, any number of former names and aliases."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=10, choices=NameKind.choices, default=NameKind.CURRENT)
    given_names = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    used_from = models.DateField(null=True, blank=True)
    used_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(kind=NameKind.CURRENT), name="one_current_name"
            ),
            models.CheckConstraint(condition=Q(kind__in=NameKind.values), name="name_kind_known"),
            models.CheckConstraint(
                condition=Q(given_names__regex=r"\S") & Q(family_name__regex=r"\S"),
                name="name_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(used_until__isnull=True)
                | Q(used_from__isnull=True)
                | Q(used_until__gte=F("used_from")),
                name="name_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}"


class AddressStatus(models.TextChoices):
    KNOWN = "known", "Address"
    LAST_KNOWN = "last_known", "Last known address"
    NO_KNOWN_ADDRESS = "none", "No known address"
    LEFT_COUNTRY = "left_country", "Left the country"


class ChildAddress(models.Model):
    """Where a child lives, with dates: at most one current entry (no end date) per child.

    A known or last-known address has a postcode and the LA it lies in; "no known address" has
    neither; "left the country" names the country and whether the family intends to return.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    status = models.CharField(max_length=15, choices=AddressStatus.choices)
    line_1 = models.CharField(max_length=100, blank=True)
    line_2 = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=60, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    local_authority = models.ForeignKey(
        "directory.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    country = models.CharField(max_length=60, blank=True)
    intends_to_return = models.BooleanField(null=True, blank=True)
    lived_from = models.DateField(null=True, blank=True)
    lived_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "child addresses"
        indexes = [models.Index(fields=["postcode"], name="address_postcode_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(lived_until__isnull=True), name="one_current_address"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AddressStatus.values), name="address_status_known"
            ),
            models.CheckConstraint(
                condition=Q(lived_until__isnull=True)
                | Q(lived_from__isnull=True)
                | Q(lived_until__gte=F("lived_from")),
                name="address_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[AddressStatus.KNOWN, AddressStatus.LAST_KNOWN])
                | (~Q(postcode="") & ~Q(line_1="") & Q(local_authority__isnull=False)),
                name="known_address_has_lines_postcode_and_la",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[AddressStatus.NO_KNOWN_ADDRESS, AddressStatus.LEFT_COUNTRY]
                )
                | (Q(postcode="") & Q(line_1="") & Q(line_2="")),
                name="no_address_has_no_lines",
            ),
            models.CheckConstraint(
                condition=~Q(status=AddressStatus.LEFT_COUNTRY) | ~Q(country=""),
                name="left_country_names_country",
            ),
            models.CheckConstraint(
                condition=Q(status=AddressStatus.LEFT_COUNTRY) | Q(intends_to_return__isnull=True),
                name="intends_to_return_only_when_left",
            ),
            models.CheckConstraint(
                condition=Q(postcode="")
                | Q(postcode__regex=r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\Z"),
                name="postcode_normalised",
            ),
        ]

    def __str__(self) -> str:
        return self.get_status_display()

    def clean(self) -> None:
        if self.postcode:
            try:
                self.postcode = normalise_postcode(self.postcode)
            except PostcodeError as exc:
                raise ValidationError({"postcode": str(exc)}) from exc

    @property
    def is_current(self) -> bool:
        return self.lived_until is None


# The identifier types a child holds (the index number is the child's own field, not a row here).
HELD_TYPES = frozenset(t for t in IdentifierType if t != IdentifierType.INDEX)


class ChildIdentifier(models.Model):
    """A national identifier (NHS, CHI, H&C, UPN) or a source system's local identifier.

    A value belongs to one child per type (and issuer, for local identifiers); values are
    stored in their compact, validated form.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="identifiers")
    type = models.CharField(
        max_length=10,
        choices=[(t.value, IDENTIFIER_LABELS[t]) for t in IdentifierType if t in HELD_TYPES],
    )
    issuer = models.CharField(
        max_length=60, blank=True, help_text="For a local identifier: the source that issued it."
    )
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["value"], name="identifier_value_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "issuer", "value"], name="identifier_unique_per_type"
            ),
            models.CheckConstraint(
                condition=Q(
                    type__in=[t.value for t in IdentifierType if t != IdentifierType.INDEX]
                ),
                name="identifier_type_known",
            ),
            models.CheckConstraint(
                condition=(Q(type=IdentifierType.LOCAL) & ~Q(issuer=""))
                | (~Q(type=IdentifierType.LOCAL) & Q(issuer="")),
                name="identifier_issuer_iff_local",
            ),
            models.CheckConstraint(
                condition=Q(type__in=[IdentifierType.LOCAL, IdentifierType.UPN])
                | Q(value__regex=r"^[0-9]{10}\Z"),
                name="health_identifier_10_digits",
            ),
            models.CheckConstraint(
                condition=~Q(type=IdentifierType.UPN)
                | Q(value__regex=r"^[A-Z][0-9]{11}[0-9A-Z]\Z"),
                name="upn_13_characters",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.value}"

    def clean(self) -> None:
        if self.type not in HELD_TYPES:
            return  # the type's own field error says what is wrong
        try:
            self.value = validate_identifier(self.type, self.value)
        except IdentifierError as exc:
            raise ValidationError({"value": str(exc)}) from exc


class Carer(TimestampedModel):
    """A parent or carer, with contact details. Siblings share their carers."""

    given_names = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(given_names__regex=r"\S") & Q(family_name__regex=r"\S"),
                name="carer_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}"


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FOSTER_CARER = "foster_carer", "Foster carer"
    SPECIAL_GUARDIAN = "special_guardian", "Special guardian"
    ADOPTIVE_PARENT = "adoptive_parent", "Adoptive parent"
    LOCAL_AUTHORITY = "local_authority", "Local authority (corporate parent)"
    OTHER = "other", "Other"


class ChildCarer(models.Model):
    """A carer's relationship to one child, and whether they hold parental responsibility."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="carer_links")
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="child_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "carer"], name="carer_once_per_child"),
            models.CheckConstraint(
                condition=Q(relationship__in=Relationship.values), name="relationship_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carer} ({self.get_relationship_display()})"


class AssessmentType(models.TextChoices):
    CAF = "caf", "Common Assessment Framework (CAF)"
    EARLY_HELP = "early_help", "Early help assessment"
    CHILD_AND_FAMILY = "child_and_family", "Child and family assessment"
    SECTION_47 = "section_47", "Section 47 enquiry"
    EHC_NEEDS = "ehc_needs", "Education, health and care needs assessment"
    HEALTH = "health", "Health assessment"


class Involvement(TimestampedModel):
    """A service (and usually a practitioner) working with a child, with the indicators.

    Where it came from is either a feed (``source_feed``) or the practitioner who logged it
    (``logged_by``). A child has at most one current lead professional. An assessment has both
    a type and a date, or neither; its contents are never held.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="involvements")
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="involvements"
    )
    practitioner = models.ForeignKey(
        "directory.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvements",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    source_feed = models.CharField(max_length=60, blank=True)
    logged_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_lead_professional = models.BooleanField("lead professional", default=False)
    assessment_type = models.CharField(max_length=20, choices=AssessmentType.choices, blank=True)
    assessment_on = models.DateField(null=True, blank=True)
    has_information_to_share = models.BooleanField(default=False)
    taking_action = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["child", "ended_on"], name="involvement_child_current_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="involvement_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(is_lead_professional=True, ended_on__isnull=True),
                name="one_current_lead_professional",
            ),
            models.CheckConstraint(
                condition=Q(is_lead_professional=False) | Q(practitioner__isnull=False),
                name="lead_professional_is_a_practitioner",
            ),
            models.CheckConstraint(
                condition=(Q(assessment_type="") & Q(assessment_on__isnull=True))
                | (~Q(assessment_type="") & Q(assessment_on__isnull=False)),
                name="assessment_type_and_date_together",
            ),
            models.CheckConstraint(
                condition=Q(assessment_type="") | Q(assessment_type__in=AssessmentType.values),
                name="assessment_type_known",
            ),
            models.CheckConstraint(condition=Q(basis__in=Basis.values), name="basis_known"),
            models.CheckConstraint(
                condition=(~Q(source_feed="") & Q(logged_by__isnull=True))
                | (Q(source_feed="") & Q(logged_by__isnull=False)),
                name="involvement_has_one_source",
            ),
            models.UniqueConstraint(
                fields=["child", "service", "started_on"], name="involvement_not_doubled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} since {self.started_on}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


__all__ = [
    "AddressStatus",
    "AssessmentType",
    "Basis",
    "Carer",
    "Child",
    "ChildAddress",
    "ChildCarer",
    "ChildIdentifier",
    "ChildName",
    "ChildStatus",
    "Gender",
    "Involvement",
    "NameKind",
    "Relationship",
]


# The derived search-key table lives in its own module (owned by search); registered here.
from childindex.records.search_models import ChildLinkageKeys, ChildSearchKey  # noqa: E402

__all__ += ["ChildLinkageKeys", "ChildSearchKey"]


class TransferVia(models.TextChoices):
    FEED = "feed", "A source feed row"
    FHIR = "fhir", "A FHIR entry"
    INDEX_TEAM = "index_team", "The index team"


class ResponsibilityTransfer(models.Model):
    """Who was responsible for a child when: each time a move of the child's current address
    into another LA moved responsibility, the LA it left, the LA it went to, from when, and
    how the move arrived. The history is kept as long as the child's record."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="transfers")
    from_la = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    to_la = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    transferred_on = models.DateField()
    via = models.CharField(max_length=12, choices=TransferVia.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["transferred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_la=F("to_la")), name="transfer_changes_la"),
            models.CheckConstraint(
                condition=Q(via__in=TransferVia.values), name="transfer_via_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_la_id} -> {self.to_la_id} on {self.transferred_on}"
