"""The audit trail (§4 of the design).

- ``AuditEvent``: one append-only row per search, record view, change, export, sign-in and failed
  sign-in: who (and their role, organisation and LA), when (UTC), from where, what, why, the
  children concerned (index numbers), the search criteria, which shielded, sensitive or hidden
  items were shown, the outcome and the request id. Each row carries a SHA-256 hash chained to
  the previous row (``audit.chain``). Written only by ``audit.services.audit_record``; the
  database refuses UPDATE and DELETE on it (triggers, migration 0002).
- ``AuditEventChild``: the children of each event as rows, so "who accessed this child" is an
  index lookup rather than a scan of JSON. Derived from the event; ``audit verify`` checks the
  two agree.
- ``UsageThresholds``: each LA's levels for the irregular-use detectors and its search limits
  (defaults when unset). The search limit (``access.search_limits``) reads it from below
  monitoring, so it stays with the trail.

The alerts raised from the trail and their review are ``monitoring.models`` (the tables keep
their ``audit_`` names, and the append-only triggers, ``audit.triggers``, still cover them).

None of this holds a child's personal details: children are named by index number.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class EventOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class Action(models.TextChoices):
    """Every action the trail records: a closed list. ``audit_record`` refuses any other string
    (``UnknownAction``), so a typo fails at once instead of silently escaping the monitoring,
    which reads events by these members. A new kind of event adds its member here."""

    # Searching and reading children's records
    SEARCH = "child_search", "Search"
    RECORD_VIEW = "record_view", "Record opened"
    CHILDREN_ELSEWHERE_VIEW = "children_elsewhere_view", "Children elsewhere viewed"
    NATIONAL_READ = "national_read", "National pages read (counts only)"
    REVIEW_ITEM_VIEW = "review_item_view", "Review item opened"
    REPORT_VIEW = "report_view", "Report viewed"
    EXPORT = "export", "Export"
    LINKS_EXPORT = "links_export", "Links exported"
    REVIEW_EXPORT = "review_export", "Review items exported"
    SUBJECT_ACCESS_EXPORT = "subject_access_export", "Subject access export"
    # Changes to children's records
    CHANGE = "change", "Change"
    CHILD_CREATE = "child_create", "Child added"
    CHILD_NAME_ADD = "child_name_add", "Name added"
    CHILD_ADDRESS_MOVE = "child_address_move", "Address changed"
    CHILD_MERGE = "child_merge", "Records merged"
    CHILD_UNMERGE = "child_unmerge", "Merge undone"
    CHILD_RESPONSIBILITY_TRANSFER = "child_responsibility_transfer", "Responsibility transferred"
    CHILD_DEATH_RECORD = "child_death_record", "Death recorded"
    CHILD_ARCHIVE = "child_archive", "Record archived"
    CHILD_PURGE = "child_purge", "Record purged"
    LIFECYCLE_RUN = "lifecycle_run", "Record lifecycle run"
    INVOLVEMENT_LOG = "involvement_log", "Involvement logged"
    INVOLVEMENT_END = "involvement_end", "Involvement ended"
    INVOLVEMENT_INDICATORS_SET = "involvement_indicators_set", "Involvement indicators set"
    CONSENT_RECORD = "consent_record", "Consent recorded"
    CONSENT_WITHDRAW = "consent_withdraw", "Consent withdrawn"
    SHIELD_SET = "shield_set", "Shield set"
    SHIELD_REVIEW_CHANGE = "shield_review_change", "Shield review changed"
    SHIELD_REMOVE = "shield_remove", "Shield removed"
    SHIELD_OVERRIDE = "shield_override", "Shield overridden"
    REVIEW_DECIDE = "review_decide", "Review decided"
    # The FHIR API and its clients
    API_CLIENT_CREATE = "api_client_create", "API client added"
    API_CLIENT_REVOKE = "api_client_revoke", "API client revoked"
    FHIR_PATIENT_READ = "fhir_patient_read", "FHIR Patient read"
    FHIR_PATIENT_SEARCH = "fhir_patient_search", "FHIR Patient search"
    FHIR_PATIENT_MATCH = "fhir_patient_match", "FHIR Patient match"
    FHIR_TEAM_READ = "fhir_team_read", "FHIR team read"
    FHIR_TRANSACTION = "fhir_transaction", "FHIR transaction"
    FHIR_INDICATORS_SET = "fhir_indicators_set", "FHIR indicators set"
    FHIR_CONSENT_READ = "fhir_consent_read", "FHIR Consent read"
    FHIR_CONSENT_WRITE = "fhir_consent_write", "FHIR Consent written"
    FHIR_AUDIT_READ = "fhir_audit_read", "FHIR AuditEvent read"
    # Feeds, linkage and reference data
    FEED_CREATE = "feed_create", "Feed added"
    FEED_UPDATE = "feed_update", "Feed changed"
    FEED_IMPORT_START = "feed_import_start", "Import started"
    FEED_IMPORT_FINISH = "feed_import_finish", "Import finished"
    FEED_IMPORT_ABANDON = "feed_import_abandon", "Import abandoned"
    FEED_RECORD_APPLIED = "feed_record_applied", "Feed record applied"
    LINKAGE_MODEL_CREATE = "linkage_model_create", "Linkage model added"
    LINKAGE_MODEL_TRAIN = "linkage_model_train", "Linkage model trained"
    LINKAGE_MODEL_ACTIVATE = "linkage_model_activate", "Linkage model activated"
    LINKAGE_THRESHOLDS_SET = "linkage_thresholds_set", "Linkage thresholds set"
    DIRECTORY_IMPORT = "directory_import", "Directory imported"
    POPULATION_LOAD = "population_load", "Population estimates loaded"
    # Accounts and sessions
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    TWO_FACTOR_SET_UP = "two_factor_set_up", "Two-factor set up"
    RECOVERY_CODES_REPLACE = "recovery_codes_replace", "Recovery codes replaced"
    ACCOUNT_APPROVE = "account_approve", "Account approved"
    ACCOUNT_SUSPEND = "account_suspend", "Account suspended"
    ACCOUNT_REACTIVATE = "account_reactivate", "Account reactivated"
    ACCOUNT_VETTING_RECORD = "account_vetting_record", "Vetting recorded"
    ACCOUNT_TRAINING_RECORD = "account_training_record", "Training recorded"
    ACCOUNT_TWO_FACTOR_RESET = "account_two_factor_reset", "Two-factor reset"
    ENROLMENT_CODE_ISSUE = "enrolment_code_issue", "Enrolment code issued"
    ENROLMENT_CODE_REDEEM = "enrolment_code_redeem", "Enrolment code entered"
    AGREEMENT_ACCEPT = "agreement_accept", "User agreement accepted"
    PAGE_VIEW = "page_view", "Page viewed"
    REQUEST_REFUSED = "request_refused", "Request refused"
    BACK_OFFICE_READ = "back_office_read", "Back-office page read"
    ACCESS_DENIED = "access_denied", "Access refused"
    ACCESS_DENIED_PREREQUISITES = "access_denied_prerequisites", "Access refused (prerequisites)"
    # Back office (Django admin)
    ADMIN_SEARCH = "admin.search", "Back office search"
    ADMIN_VIEW = "admin.view", "Back office view"
    ADMIN_ADD = "admin.add", "Back office add"
    ADMIN_CHANGE = "admin.change", "Back office change"
    ADMIN_DELETE = "admin.delete", "Back office delete"
    # Monitoring and the audit trail itself
    ALERT = "alert", "Alert raised"
    AUDIT_READ = "audit_read", "Audit trail read"
    ALERT_REVIEW = "alert_review", "Alert reviewed"
    NOTIFICATION = "notification", "Notification sent"
    READINESS_PROBE = "readiness_probe", "Readiness probe"


def action_label(value: str) -> str:
    """The words people read for an action (the trail's pages and CSVs): the one mapping is
    ``Action``'s own labels; a value no longer in the list is shown as recorded."""
    return Action(value).label if value in Action.values else value


class AuditEvent(models.Model):
    """Who, organisation, role, when, from where, what, which children, why, outcome.

    ``id`` is the event's place in the chain: 1, 2, 3, ... with no gaps, assigned under the
    chain lock, so a missing id is a deleted event. ``prev_hash`` is the hash of event id-1
    (64 zeros for the first); ``hash`` covers every other field and ``prev_hash``.
    """

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "access.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # audit_actor_at_idx leads with the actor
    )
    actor_label = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_local_authority = models.ForeignKey(
        "directory.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    outcome = models.CharField(
        max_length=10, choices=EventOutcome.choices, default=EventOutcome.ALLOWED
    )
    purpose = models.CharField(max_length=30, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    children = models.JSONField(default=list, blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    shown = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(id__gte=1), name="audit_event_id_positive"),
            models.CheckConstraint(
                condition=Q(outcome__in=EventOutcome.values), name="audit_event_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)


class AuditEventChild(models.Model):
    """One child concerned by one event: the index behind "who accessed this child"."""

    pk = models.CompositePrimaryKey("index_number", "event")
    index_number = models.CharField(max_length=11)
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="child_links")

    def __str__(self) -> str:
        return f"{self.index_number} in event {self.event_id}"


class UsageThresholds(models.Model):
    """An LA's alert levels for irregular use. An LA without a row uses the defaults.

    The levels decide when auditors are asked to look, nothing more.
    """

    local_authority = models.OneToOneField(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="usage_thresholds"
    )
    searches_per_day = models.PositiveIntegerField(
        default=40, help_text="A user's searches in a day at or above which peers are compared."
    )
    times_peer_median = models.PositiveIntegerField(
        default=3, help_text="Alert when a user searches this many times the peers' median."
    )
    minimum_peers = models.PositiveIntegerField(
        default=3, help_text="With fewer peers, the daily level alone decides."
    )
    working_day_starts = models.TimeField(default=dt.time(7, 0))
    working_day_ends = models.TimeField(default=dt.time(19, 0))
    out_of_hours_accesses = models.PositiveIntegerField(
        default=20,
        help_text="Searches and record views outside working hours (or at weekends) in a day.",
    )
    repeat_views = models.PositiveIntegerField(
        default=3,
        help_text="Views of one child, by a user whose organisation has no involvement with "
        "them, within the window.",
    )
    repeat_window_days = models.PositiveIntegerField(default=7)
    search_limit_per_minute = models.PositiveIntegerField(
        default=30,
        help_text="Searches one user may make in a minute; past it searching is refused until "
        "the next minute and the auditors are alerted.",
    )
    search_limit_per_day = models.PositiveIntegerField(
        default=300,
        help_text="Searches one user may make in a day; past it searching is refused until "
        "midnight and the auditors are alerted.",
    )

    class Meta:
        verbose_name_plural = "usage thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(working_day_ends__gt=models.F("working_day_starts")),
                name="working_day_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(times_peer_median__gte=1)
                & Q(repeat_views__gte=2)
                & Q(repeat_window_days__gte=1)
                & Q(search_limit_per_minute__gte=1)
                & Q(search_limit_per_day__gte=1),
                name="usage_thresholds_sensible",
            ),
        ]

    def __str__(self) -> str:
        return f"Usage alert levels for LA {self.local_authority_id}"


class TrailOrigin(models.Model):
    """The trail's name: a random id made by the first migration (``audit.0008``), one row.

    Every signed checkpoint carries it in its origin line (as signed transparency-log
    checkpoints do), so checkpoints of another database's trail are refused as such rather than
    read as a truncation of this one."""

    trail_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"audit trail {self.trail_id}"
