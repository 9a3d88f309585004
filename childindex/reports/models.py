"""What the reports hold of their own: the LA's child population estimates (for coverage), the
LA's subject-access setting, and the stored counts the whole-LA reports read (the data quality
summary, coverage, planning): counts per LA by measure and age, postcode district, service
category or month, refreshed by the clock and after each import, so that a page reads a few
hundred rows instead of aggregating every child; and the children found at that count on the one
worklist that needs the whole LA grouped (two schools or two GPs), each checked again live when
listed. No report keeps a copy of a child's data: a stored count names no child, and a listed
child is a reference to the record, nothing copied from it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from childindex.core.models import TimestampedModel

MAX_CHILD_AGE = 17  # the index's children: ages 0 to 17 at the estimate's reference date


class PopulationEstimate(models.Model):
    """The estimated number of children of one single year of age living in one LA in one
    year (ONS mid-year estimates, both sexes together), as loaded by the national operator.
    Loading a year again replaces that year's estimates for that LA."""

    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(help_text="The mid-year (30 June) of the estimate.")
    age = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()
    loaded_at = models.DateTimeField()
    loaded_by = models.CharField(max_length=150)
    source_file = models.CharField(max_length=255)

    class Meta:
        ordering = ["local_authority", "year", "age"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "year", "age"], name="estimate_once_per_la_year_age"
            ),
            models.CheckConstraint(
                condition=Q(age__lte=MAX_CHILD_AGE), name="estimate_is_of_children"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1950) & Q(year__lte=2200), name="estimate_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority} mid-{self.year} age {self.age}: {self.population}"


class AccessorNames(models.TextChoices):
    WITHHELD = "withheld", "Roles and organisations only"
    SHOWN = "shown", "Individuals' names as well"


class SubjectAccessSettings(TimestampedModel):
    """The LA's policy for subject access exports: whether the list of who accessed a child's
    record names the individuals or only their role and organisation (an LA decides this under
    its own data protection policy; withheld unless the LA says otherwise)."""

    local_authority = models.OneToOneField(
        "directory.LocalAuthority", on_delete=models.CASCADE, related_name="+"
    )
    accessor_names = models.CharField(
        max_length=10, choices=AccessorNames.choices, default=AccessorNames.WITHHELD
    )

    class Meta:
        verbose_name_plural = "subject access settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(accessor_names__in=AccessorNames.values),
                name="accessor_names_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: {self.get_accessor_names_display()}"


class CountsSnapshot(models.Model):
    """One LA's stored report counts, as of ``taken_at`` (the newest one is the one shown)."""

    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.CASCADE, related_name="+"
    )
    taken_at = models.DateTimeField()
    as_of = models.DateField(help_text="The day the ages were counted on.")
    seconds = models.FloatField(help_text="How long counting took.")
    involvements_upto = models.BigIntegerField(
        default=0,
        help_text="The newest involvement's id when counting began: a worklist page checks "
        "the children of later involvements as well as the listed ones.",
    )

    class Meta:
        indexes = [models.Index(fields=["local_authority", "-taken_at"], name="snapshot_la_idx")]

    def __str__(self) -> str:
        return f"{self.local_authority} counts as of {self.taken_at:%Y-%m-%d %H:%M}"


class StoredCount(models.Model):
    """One number of a snapshot: a measure (what is counted) by the keys it is broken down by
    (an age, a postcode district, a service category or worklist, a month or reference date);
    keys a measure does not use stay empty."""

    snapshot = models.ForeignKey(CountsSnapshot, on_delete=models.CASCADE, related_name="counts")
    measure = models.CharField(max_length=30)
    age = models.SmallIntegerField(null=True)
    district = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=30, blank=True)
    month = models.DateField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["snapshot", "measure"], name="stored_count_measure_idx")]

    def __str__(self) -> str:
        return f"{self.measure} {self.age} {self.district} {self.category} {self.month}: {self.n}"


class ListedChild(models.Model):
    """A child found on a worklist at a count of the LA: the two-schools-or-two-GPs worklist,
    whose finding groups every current involvement of the LA (seconds for a large LA, too slow
    for each page view). The worklist page lists these children, and the children of any
    involvement started since the count, only after checking each of them again: a child whose
    second school has ended since drops off at once, and a page never links to a child who is
    no longer on the list."""

    snapshot = models.ForeignKey(CountsSnapshot, on_delete=models.CASCADE, related_name="listed")
    worklist = models.CharField(max_length=30)
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["snapshot", "worklist"], name="listed_child_worklist_idx")]

    def __str__(self) -> str:
        return f"{self.worklist}: child {self.child_id}"
