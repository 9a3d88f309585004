"""Source feeds and what they bring: import runs, source records, rejected rows, the review
queue, the linkage model and its thresholds, and merges (§5 of the design).

Every incoming row is kept as a source record (which feed, which run, its own key, the values
received) and belongs to at most one child at a time; how it came to belong to that child
(which rule or person, which model version, what score) is kept in its link history, which is
itself part of the audit trail. A person decides what the model cannot (the review queue), and
every decision is recorded with who and why.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from childindex.core.models import TimestampedModel


class FeedKind(models.TextChoices):
    SNAPSHOT = "snapshot", "Snapshot (lists every current record)"
    CHANGES = "changes", "Changes (updates only what it names)"


class Feed(TimestampedModel):
    """A source system's feed: its name, its owner LA (whose index team works its review
    queue), snapshot or change feed, whether the LA trusts it to create children, and the
    mapping (parsed TOML) its last import used."""

    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=120)
    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="feeds"
    )
    kind = models.CharField(max_length=10, choices=FeedKind.choices, default=FeedKind.SNAPSHOT)
    may_create_children = models.BooleanField(default=False)
    mapping = models.JSONField(default=dict, blank=True)
    mapping_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FeedKind.values), name="feed_kind_known"),
        ]

    def __str__(self) -> str:
        return self.label or self.name


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running (or stopped part way: run it again to resume)"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned (another file was imported instead)"


class ImportRun(TimestampedModel):
    """One import of one file into one feed. ``rows_done`` is committed with the rows it
    counts, so an import killed at any point resumes where it stopped."""

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="runs")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    mapping_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=150)
    model = models.ForeignKey(
        "sources.LinkageModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    read = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    sent_to_review = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    warned = models.PositiveIntegerField(
        default=0, help_text="Rows kept with a warning (a value dropped from matching)."
    )
    unchanged = models.PositiveIntegerField(default=0)
    ended = models.PositiveIntegerField(default=0, help_text="Involvements a snapshot ended.")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed"],
                condition=Q(status=RunStatus.RUNNING),
                name="one_running_import_per_feed",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")), name="run_done_within_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feed.name} {self.file_name} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        return 100 if not self.rows_total else int(100 * self.rows_done / self.rows_total)


class RecordStatus(models.TextChoices):
    LINKED = "linked", "Linked to a child"
    REVIEW = "review", "Waiting for a person to decide"
    NOT_LINKED = "not_linked", "None of the index's children (decided by a person)"


class LinkMethod(models.TextChoices):
    MODEL = "model", "Linkage model (above the upper threshold)"
    CREATED = "created", "New child created (below the lower threshold)"
    PERSON = "person", "A person's review decision"
    MERGE = "merge", "Two children merged"
    UNMERGE = "unmerge", "A merge undone"


class SourceRecord(TimestampedModel):
    """One source system's record, as last received, and the child it belongs to."""

    # No index of their own on feed, first_run and withdrawn_run: (feed, key) and
    # (feed, last_run) lead with the feed, nothing looks records up by the other two, and
    # every index is one more write for each of an import's hundreds of thousands of rows.
    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="records", db_index=False)
    key = models.CharField("the source's own record key", max_length=100)
    first_run = models.ForeignKey(
        ImportRun, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    last_run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The last run that listed this record.",
    )
    row_number = models.PositiveIntegerField(help_text="Its row in the last run's file.")
    values = models.JSONField(help_text="The mapped values as received.")
    values_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=RecordStatus.choices)
    child = models.ForeignKey(
        "records.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_records",
    )
    involvement = models.ForeignKey(
        "records.Involvement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_records",
    )
    withdrawn_run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The snapshot that no longer listed it (its involvement was ended).",
        db_index=False,
    )
    shielded = models.BooleanField(
        default=False, help_text="May be a shielded child: shielded until a person decides."
    )

    class Meta:
        indexes = [  # (the child's is the foreign key's own)
            models.Index(fields=["feed", "last_run"], name="source_record_seen_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["feed", "key"], name="source_record_key_unique"),
            models.CheckConstraint(
                condition=Q(status__in=RecordStatus.values), name="source_record_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(status=RecordStatus.LINKED) & Q(child__isnull=False))
                | (~Q(status=RecordStatus.LINKED) & Q(child__isnull=True)),
                name="source_record_linked_iff_child",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="source_record_has_key"),
        ]

    def __str__(self) -> str:
        return f"{self.feed.name} {self.key}"


class SourceLink(models.Model):
    """Link history: which child a source record belonged to, from when until when, and why
    (the rule or person, the model version, the score). Part of the audit trail."""

    source_record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="links")
    child = models.ForeignKey("records.Child", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=LinkMethod.choices)
    # No index on run, model and decided_by: nothing looks links up by them, and an import
    # writes a link for every new record.
    run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    model = models.ForeignKey(
        "sources.LinkageModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    weight = models.FloatField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "access.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    linked_at = models.DateTimeField()
    unlinked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_record"],
                condition=Q(unlinked_at__isnull=True),
                name="one_current_link_per_source_record",
            ),
            models.CheckConstraint(
                condition=Q(method__in=LinkMethod.values), name="link_method_known"
            ),
            models.CheckConstraint(
                condition=Q(unlinked_at__isnull=True) | Q(unlinked_at__gte=F("linked_at")),
                name="link_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_record} -> {self.child} ({self.get_method_display()})"


class ProblemSeverity(models.TextChoices):
    REJECTED = "rejected", "Rejected"
    WARNING = "warning", "Accepted with a warning"


class RowProblem(models.Model):
    """A row problem of a run: a row rejected, or a row kept with a value dropped (a warning),
    with its row number, the column and a reason a person can act on."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_problems")
    row_number = models.PositiveIntegerField()
    line_number = models.PositiveIntegerField()
    key = models.CharField(max_length=100, blank=True)
    severity = models.CharField(
        max_length=10, choices=ProblemSeverity.choices, default=ProblemSeverity.REJECTED
    )
    column = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["run", "row_number", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "row_number", "column"], name="row_problem_once"
            ),
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class RejectedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(severity=ProblemSeverity.REJECTED)


class RejectedRow(RowProblem):
    """The rows a run rejected (its row problems of severity rejected)."""

    objects: ClassVar[RejectedManager] = RejectedManager()

    class Meta:
        proxy = True
        ordering = ["run", "row_number"]


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    DECIDED = "decided", "Decided"


class ReviewDecision(models.TextChoices):
    LINK = "link", "The same child as a candidate: link"
    CREATE = "create", "A child not yet in the index: create"
    NOT_SAME = "not_same", "None of the candidates, and not a new child: leave unlinked"


class ReviewReason(models.TextChoices):
    """Why a person decided as they did: a closed list, so decisions can tune thresholds."""

    IDENTIFIERS_AGREE = "identifiers_agree", "Identifiers agree"
    CONFIRMED_WITH_SOURCE = "confirmed_with_source", "Confirmed with the source system"
    KNOWN_CHANGE = "known_change", "A known change of name or address explains the difference"
    KEYING_ERROR = "keying_error", "A keying error in the source explains the difference"
    TWIN_OR_SIBLING = "twin_or_sibling", "A twin or sibling, not the same child"
    DIFFERENT_CHILD = "different_child", "A different child"
    NEW_TO_INDEX = "new_to_index", "A child not yet in the index"
    NOT_A_CHILD_OF_THIS_LA = "not_this_la", "Not a child this index should hold"


REASONS_FOR = {
    ReviewDecision.LINK: [
        ReviewReason.IDENTIFIERS_AGREE,
        ReviewReason.CONFIRMED_WITH_SOURCE,
        ReviewReason.KNOWN_CHANGE,
        ReviewReason.KEYING_ERROR,
    ],
    ReviewDecision.CREATE: [
        ReviewReason.NEW_TO_INDEX,
        ReviewReason.TWIN_OR_SIBLING,
        ReviewReason.DIFFERENT_CHILD,
        ReviewReason.CONFIRMED_WITH_SOURCE,
    ],
    ReviewDecision.NOT_SAME: [
        ReviewReason.DIFFERENT_CHILD,
        ReviewReason.TWIN_OR_SIBLING,
        ReviewReason.NOT_A_CHILD_OF_THIS_LA,
    ],
}


class ReviewItem(TimestampedModel):
    """A source record the model could not decide: its candidates, each with every
    comparison's evidence (level and match weight). Owned by the feed's LA; worked oldest
    first. A shielded item may be the same child as a shielded child."""

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.PROTECT, related_name="review_items"
    )
    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="review_items")
    model = models.ForeignKey(
        "sources.LinkageModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    cause = models.CharField(max_length=40, help_text="Why the model asked a person.")
    candidates = models.JSONField(default=list, blank=True)
    shielded = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True)
    reason = models.CharField(max_length=30, choices=ReviewReason.choices, blank=True)
    child = models.ForeignKey(
        "records.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The child the decision linked the record to (or created).",
    )
    decided_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["local_authority", "status", "created_at"], name="review_queue_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_record"],
                condition=Q(status=ReviewStatus.OPEN),
                name="one_open_review_per_source_record",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ReviewStatus.OPEN)
                    & Q(decision="")
                    & Q(reason="")
                    & Q(decided_by__isnull=True)
                    & Q(decided_at__isnull=True)
                )
                | (
                    Q(status=ReviewStatus.DECIDED)
                    & ~Q(decision="")
                    & ~Q(reason="")
                    & Q(decided_at__isnull=False)
                ),
                name="review_decided_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ReviewDecision.values),
                name="review_decision_known",
            ),
            models.CheckConstraint(
                condition=Q(reason="") | Q(reason__in=ReviewReason.values),
                name="review_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.source_record} ({self.get_status_display()})"


class NotSameChild(models.Model):
    """A person decided this source record is not this child: never offered again."""

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="not_same"
    )
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    review_item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_record", "child"], name="not_same_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source_record} is not {self.child}"


class LinkageModel(models.Model):
    """A version of the linkage model: Splink's JSON settings (comparisons, m and u
    probabilities, blocking rules). The newest active version links new rows."""

    version = models.PositiveIntegerField(unique=True)
    settings = models.JSONField()
    created_at = models.DateTimeField()
    description = models.CharField(max_length=200)
    trained_on = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_linkage_model"
            ),
        ]

    def __str__(self) -> str:
        return f"Linkage model v{self.version}"


class LinkageThreshold(models.Model):
    """An LA's thresholds (match weights): link at ``upper`` and above, ask a person from
    ``lower`` up to ``upper``, below ``lower`` a new child (or a person, where the source may
    not create children)."""

    local_authority = models.OneToOneField(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="linkage_threshold"
    )
    upper = models.FloatField()
    lower = models.FloatField()
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__lte=F("upper")), name="threshold_lower_not_above_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: link >= {self.upper}, review >= {self.lower}"


class Merge(models.Model):
    """Two children found to be one, merged by a person; ``moved`` lists every row that moved
    from the merged record to the one kept, so that an unmerge puts each back."""

    kept = models.ForeignKey("records.Child", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("records.Child", on_delete=models.PROTECT, related_name="+")
    merged_status = models.CharField(max_length=10, help_text="Its status before the merge.")
    reason = models.CharField(max_length=30, choices=ReviewReason.choices)
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    unmerged_by = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kept=F("merged")), name="merge_two_children"),
            models.UniqueConstraint(
                fields=["merged"],
                condition=Q(unmerged_at__isnull=True),
                name="merged_once_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged} merged into {self.kept}"
