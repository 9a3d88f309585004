"""Who works with children: local authorities, organisations, their services, practitioners.

The directory is the "telephone book" half of the index. It holds work contact details only.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from childindex.core.models import Nation, TimestampedModel

ons_code_validator = RegexValidator(
    r"^[ENSW][0-9]{8}\Z",
    "An ONS-style code is a letter (E, W, S or N) and eight digits, such as E10000011.",
)
phone_validator = RegexValidator(
    r"^\+?[0-9 ()-]{7,20}\Z", "Enter a telephone number, like 01632 960 001."
)


class LocalAuthority(TimestampedModel):
    """A local authority: one partition of the index, maintained by its own index team.

    The index team's contact details are what a practitioner sees on a shielded record.
    """

    code = models.CharField(max_length=9, unique=True, validators=[ons_code_validator])
    name = models.CharField(max_length=120, unique=True)
    nation = models.CharField(max_length=20, choices=Nation.choices)
    index_team_phone = models.CharField(max_length=20, validators=[phone_validator])
    index_team_email = models.EmailField()
    safeguarding_email = models.EmailField(blank=True)
    # The DfE's three-digit LA number (Get Information about Schools' "LA (code)"; the first
    # three digits of a UPN). English authorities only.
    dfe_la_number = models.PositiveSmallIntegerField(null=True, blank=True, unique=True)
    # How long an archived record is kept before its personal data is deleted (DESIGN §6:
    # six years, configurable per LA).
    purge_years_after_archive = models.PositiveSmallIntegerField(default=6)

    class Meta:
        verbose_name_plural = "local authorities"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[ENSW][0-9]{8}\Z"), name="la_code_is_ons_style"
            ),
            models.CheckConstraint(
                condition=Q(nation__in=Nation.values), name="la_nation_is_known"
            ),
            models.CheckConstraint(
                condition=Q(purge_years_after_archive__gte=1), name="la_purge_after_a_year_or_more"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostcodeDistrict(TimestampedModel):
    """A postcode district (outward code, such as ``TN34``) and the LA responsible for the
    children who live in it.

    A child's current address decides the responsible LA through this table; a district
    belongs to one LA (where a real district straddles a boundary, the LA holding most of it).
    """

    outward = models.CharField(max_length=4, unique=True)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="postcode_districts"
    )

    class Meta:
        ordering = ["outward"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outward__regex=r"^[A-Z]{1,2}[0-9][A-Z0-9]?\Z"),
                name="postcode_district_is_outward_code",
            ),
        ]

    def __str__(self) -> str:
        return self.outward


class OrganisationType(models.TextChoices):
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years setting"
    GP_PRACTICE = "gp_practice", "GP practice"
    HEALTH_TRUST = "health_trust", "NHS trust"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    YOUTH_JUSTICE = "youth_justice", "Youth justice service"
    VOLUNTARY = "voluntary", "Voluntary organisation"


class Organisation(TimestampedModel):
    """A school, GP practice, trust, LA department or voluntary body.

    ``code`` is the organisation's own national code where it has one: a school's URN, a GP
    practice's ODS code, a trust's ODS code. It is unique within its type.
    """

    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="organisations"
    )
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=20, validators=[phone_validator])
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["type", "code"], name="organisation_code_unique"),
            models.CheckConstraint(
                condition=Q(type__in=OrganisationType.values), name="organisation_type_is_known"
            ),
            models.CheckConstraint(condition=~Q(code=""), name="organisation_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceCategory(models.TextChoices):
    """Decides an involvement's basis (see ``consent.rules``)."""

    UNIVERSAL = "universal", "Universal"
    ADDITIONAL = "additional", "Additional"
    SPECIALIST = "specialist", "Specialist"
    STATUTORY = "statutory", "Statutory"


class ServiceKind(models.TextChoices):
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years"
    GP = "gp", "GP"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    SCHOOL_NURSING = "school_nursing", "School nursing"
    CAMHS = "camhs", "Child and adolescent mental health"
    SPEECH_AND_LANGUAGE = "speech_language", "Speech and language therapy"
    PAEDIATRICS = "paediatrics", "Community paediatrics"
    EDUCATION_WELFARE = "education_welfare", "Education welfare"
    EARLY_HELP = "early_help", "Early help"
    SOCIAL_CARE = "social_care", "Children's social care"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    YOUTH_SERVICE = "youth_service", "Youth service"
    CONNEXIONS = "connexions", "Connexions"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    VOLUNTARY = "voluntary", "Voluntary service"


class Service(TimestampedModel):
    """A service an organisation provides to children.

    Its category decides the basis of an involvement with it; a sensitive service (sexual
    health, mental health, substance misuse) is never named to users who may not see it. A
    sensitive service is never universal or statutory: it needs the young person's consent.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=ServiceKind.choices)
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    sensitive = models.BooleanField(default=False)
    phone = models.CharField(max_length=20, validators=[phone_validator])
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique"),
            models.CheckConstraint(
                condition=Q(category__in=ServiceCategory.values), name="service_category_is_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceKind.values), name="service_kind_is_known"
            ),
            models.CheckConstraint(
                condition=Q(sensitive=False)
                | Q(category__in=[ServiceCategory.ADDITIONAL, ServiceCategory.SPECIALIST]),
                name="sensitive_service_needs_consent_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Practitioner(TimestampedModel):
    """A person who works with children, with work contact details only."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    job_title = models.CharField(max_length=120)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="practitioners"
    )
    work_phone = models.CharField(max_length=20, validators=[phone_validator])
    secure_email = models.EmailField(unique=True)
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_name="") & ~Q(family_name=""), name="practitioner_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}, {self.job_title}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
