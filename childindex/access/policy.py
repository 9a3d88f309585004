"""THE access policy: who may see what (§1 and §3 of the design). Nothing else decides visibility.

Every selector, web view, API endpoint, export and search asks this module. It decides; it does
not fetch or render. Functions take the user and the already-fetched objects, so a caller can
load a record in a few queries and ask the policy about each part of it.

The rules, in the design's words:

- Access needs an approved account, an in-date enhanced DBS check (three years), completed
  training, two-factor enrolment and a role; an account lacking any cannot search, and is told
  which is missing.
- Practitioners (and child-protection practitioners) search the whole index; an LA index team
  works only on its own LA's partition; auditors and national operators do not open children.
- A purpose of access is required before a record opens.
- Involvement basis: universal and statutory ones are shown to every authorised user; consent
  ones only while a consent stands; a sensitive one (with the young person's consent to that
  service) shows others only that *a sensitive service is involved* — the responsible LA's index
  team sees which; a hidden concern is shown only to a child-protection practitioner who opened
  the record for a child protection enquiry (and that opening raises an alert). The practitioner
  who holds an involvement always sees their own.
- Shielded: only name, gender, date of birth, index number, the parents' names and how to
  contact the responsible LA's index team; search matches only those fields. The responsible LA's
  index team sees the whole record; a child-protection practitioner may override the shield for
  one viewing. Every access to a shielded record raises an alert.
- Archived: seen only by the responsible LA's index team in the first year after archiving;
  merged records are never opened (their successor is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone

from childindex.access.models import Role, User
from childindex.consent.choices import Scope
from childindex.records.choices import Basis, ChildStatus

DBS_VALID_FOR_YEARS = 3
ARCHIVED_VISIBLE_FOR_DAYS = 365

SEARCHING_ROLES = frozenset({Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.INDEX_TEAM})

NO_LA = "Your account belongs to no local authority. Contact the index team."


class Purpose(models.TextChoices):
    """Why a record is opened; asked before it opens, and audited."""

    REFERRAL = "referral", "Referral received"
    WELFARE_CONCERN = "welfare_concern", "Concern about the child's welfare"
    PROVIDING_SERVICE = "providing_service", "Providing a service to the child"
    CHILD_PROTECTION_ENQUIRY = "child_protection_enquiry", "Child protection enquiry"
    DATA_QUALITY = "data_quality", "Data quality"


class Prerequisite(models.TextChoices):
    """What an account needs before it may search; the label is what the user is told."""

    ROLE = "role", "Your account has no role that may search the index."
    APPROVAL = "approval", "Your account has not been approved by your LA's index team."
    SUSPENDED = "suspended", "Your account is suspended. Contact your LA's index team."
    VETTING = "vetting", "Your enhanced DBS check is missing or more than three years old."
    TRAINING = "training", "You have not completed the index's training."
    TWO_FACTOR = "two_factor", "You have not set up two-factor authentication."


class Visibility(StrEnum):
    """How much of a record (or an involvement) a user sees."""

    FULL = "full"
    SHIELDED = "shielded"  # the record: only the fields a shield leaves visible
    SENSITIVE = "sensitive"  # an involvement: "a sensitive service is involved", no names
    HIDDEN = "hidden"


class AccessAlert(StrEnum):
    """Accesses that raise an alert for the LA's auditors (never a verdict on anyone)."""

    SHIELDED_RECORD = "shielded_record_access"
    SHIELD_OVERRIDE = "shield_override"
    BREAK_GLASS = "child_protection_break_glass"


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def message(self) -> str:
        return " ".join(self.reasons)


class AccessRefused(PermissionDenied):
    """The policy said no; ``reasons`` says why, in words the user can act on."""

    def __init__(self, reasons: tuple[str, ...] | list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class RecordAccess:
    """The policy's answer to "may this user open this child's record, and how much of it?"."""

    allowed: bool
    view: Visibility = Visibility.HIDDEN
    reveals_hidden: bool = False
    alerts: tuple[AccessAlert, ...] = field(default_factory=tuple)
    reason: str = ""


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def has_two_factor(user: User) -> bool:
    """The account has a confirmed second factor. In a request, the device the user verified
    this session with is already loaded by django-otp's middleware (``user.otp_device``): when
    it is a confirmed device of theirs, that answers without another query."""
    from django_otp import user_has_device

    device = getattr(user, "otp_device", None)
    if device is not None and device.confirmed and device.user_id == user.pk:
        return True
    return bool(user_has_device(user, confirmed=True))


# --- Prerequisites ----------------------------------------------------------------------------


def vetting_expiry_for(checked_on: dt.date) -> dt.date:
    """The first day on which a DBS check made on ``checked_on`` no longer counts."""
    return _add_years(checked_on, DBS_VALID_FOR_YEARS)


def vetting_expires_on(user: User) -> dt.date | None:
    """The first day on which the account's enhanced DBS check no longer counts (three years)."""
    if user.dbs_checked_on is None:
        return None
    return vetting_expiry_for(user.dbs_checked_on)


def missing_prerequisites(user: User, *, today: dt.date | None = None) -> list[Prerequisite]:
    """Everything that stops this account searching, in the order a user should fix them."""
    today = _today(today)
    missing: list[Prerequisite] = []
    if user.role not in SEARCHING_ROLES:
        missing.append(Prerequisite.ROLE)
    if user.suspended_on is not None and user.suspended_on <= today:
        missing.append(Prerequisite.SUSPENDED)
    if user.approved_on is None or not user.is_active:
        missing.append(Prerequisite.APPROVAL)
    if getattr(user, "system_account", False):
        # A connected system (an API client of an organisation or an LA index team) signs in
        # with its client credentials, issued by the index and revocable at once; it has no
        # DBS check, training or second factor of its own. Every other rule applies to it as
        # to a person in its role: it sees only what that role sees.
        return missing
    expires_on = vetting_expires_on(user)
    checked_on = user.dbs_checked_on
    if expires_on is None or expires_on <= today or checked_on is None or checked_on > today:
        missing.append(Prerequisite.VETTING)
    if user.training_completed_on is None or user.training_completed_on > today:
        missing.append(Prerequisite.TRAINING)
    if not has_two_factor(user):
        missing.append(Prerequisite.TWO_FACTOR)
    return missing


STANDING = frozenset(
    {Prerequisite.SUSPENDED, Prerequisite.APPROVAL, Prerequisite.VETTING, Prerequisite.TRAINING}
)


def standing_missing(user: User, *, today: dt.date | None = None) -> list[Prerequisite]:
    """What stops a signed-in account doing anything at all: suspension, no approval, lapsed
    vetting or training. Such an account sees only the page saying which is missing (and its
    own account page); the searching role and two-factor are asked where they matter."""
    return [m for m in missing_prerequisites(user, today=today) if m in STANDING]


def can_search(user: User, *, today: dt.date | None = None) -> PolicyDecision:
    if not user.is_authenticated:
        return PolicyDecision(False, ("Sign in to search the index.",))
    missing = missing_prerequisites(user, today=today)
    return PolicyDecision(not missing, tuple(m.label for m in missing))


def has_role_access(
    user: User, roles: Iterable[str], *, today: dt.date | None = None
) -> PolicyDecision:
    """For pages that are not searches (the audit trail, national reports): the account holds
    one of ``roles``, belongs to an LA (a national operator's need not: it works across LAs),
    and meets every prerequisite except the searching role."""
    if not user.is_authenticated:
        return PolicyDecision(False, ("Sign in to use the index.",))
    missing = [m for m in missing_prerequisites(user, today=today) if m != Prerequisite.ROLE]
    reasons = [m.label for m in missing]
    if user.role != Role.NATIONAL_OPERATOR and user.local_authority_id is None:
        reasons.insert(0, NO_LA)
    if user.role not in set(roles):
        reasons.insert(0, "Your role does not give access to this page.")
    return PolicyDecision(not reasons, tuple(reasons))


def can_use_back_office(user: User, *, today: dt.date | None = None) -> PolicyDecision:
    """The back office (Django's admin) asks what the web asks: an active staff account that is
    approved, not suspended, vetted, trained and enrolled in two-factor (its role aside: the
    back office is for the operators who run the service)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return PolicyDecision(False, ("Only the service's operators can use the back office.",))
    missing = [m for m in missing_prerequisites(user, today=today) if m != Prerequisite.ROLE]
    return PolicyDecision(not missing, tuple(m.label for m in missing))


def purposes_for(user: User) -> list[Purpose]:
    """The purposes this user may give for opening a record."""
    if user.role == Role.CHILD_PROTECTION:
        return [p for p in Purpose if p != Purpose.DATA_QUALITY]
    if user.role == Role.INDEX_TEAM:
        return [Purpose.DATA_QUALITY, Purpose.REFERRAL, Purpose.WELFARE_CONCERN]
    if user.role == Role.PRACTITIONER:
        return [Purpose.REFERRAL, Purpose.WELFARE_CONCERN, Purpose.PROVIDING_SERVICE]
    return []


# --- What the policy reads of a record -------------------------------------------------------
# The policy takes already-fetched objects (``records.Child``, ``records.Involvement``,
# ``consent.Consent``). It names only the facts it reads, as protocols, so it need not import the
# apps above it; the type checker holds each model to its protocol where a caller passes one.


class ChildFacts(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def responsible_la_id(self) -> int | None: ...
    @property
    def archived_on(self) -> dt.date | None: ...
    @property
    def shielded(self) -> bool: ...


class _ResponsibleLa(Protocol):
    @property
    def responsible_la_id(self) -> int | None: ...


class _ProvidedBy(Protocol):
    @property
    def organisation_id(self) -> int | None: ...


class InvolvementFacts(Protocol):
    @property
    def child_id(self) -> int: ...
    @property
    def service_id(self) -> int: ...
    @property
    def practitioner_id(self) -> int | None: ...
    @property
    def logged_by_id(self) -> int | None: ...
    @property
    def basis(self) -> str: ...
    @property
    def service(self) -> _ProvidedBy: ...
    @property
    def child(self) -> _ResponsibleLa: ...
    @property
    def ended_on(self) -> dt.date | None: ...


class ConsentFacts(Protocol):
    @property
    def child_id(self) -> int: ...
    @property
    def service_id(self) -> int | None: ...
    @property
    def scope(self) -> str: ...
    @property
    def given_on(self) -> dt.date: ...
    @property
    def withdrawn_on(self) -> dt.date | None: ...


class _NamedService(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def sensitive(self) -> bool: ...


class ConsentShown(ConsentFacts, Protocol):
    """A consent as the consent pages show it: with its named service (or none)."""

    @property
    def service(self) -> _NamedService | None: ...


# --- Which children a user can find, and on which fields --------------------------------------


def _archive_window_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=ARCHIVED_VISIBLE_FOR_DAYS)


def findable_children(user: User, *, today: dt.date | None = None) -> Q:
    """A filter on Child: the records this user can find at all (status and partition).

    Practitioners find active and recently deceased children anywhere; the LA index team finds
    its own LA's children, including those archived in the last year. Merged records are never
    found (their successor is).
    """
    today = _today(today)
    live = Q(status__in=[ChildStatus.ACTIVE, ChildStatus.DECEASED])
    if user.role in {Role.PRACTITIONER, Role.CHILD_PROTECTION}:
        return live
    if user.role == Role.INDEX_TEAM and user.local_authority_id:
        own = Q(responsible_la_id=user.local_authority_id)
        recently_archived = Q(
            status=ChildStatus.ARCHIVED, archived_on__gte=_archive_window_start(today)
        )
        return own & (live | recently_archived)
    return Q(pk__in=[])


def sees_shielded_details(user: User) -> Q:
    """A filter on Child: records whose locating details this user may see and search on.

    Search matches only the fields a user may see, so a search by address, postcode or a national
    identifier uses this filter: a shielded child then looks exactly like "no match".
    """
    if user.role == Role.INDEX_TEAM and user.local_authority_id:
        return Q(shielded=False) | Q(responsible_la_id=user.local_authority_id)
    return Q(shielded=False)


# --- Opening a record -------------------------------------------------------------------------


def record_access(
    user: User,
    child: ChildFacts,
    *,
    purpose: str | None,
    shield_override: bool = False,
    today: dt.date | None = None,
) -> RecordAccess:
    """May ``user`` open ``child``'s record for ``purpose``, and how much do they see?

    ``shield_override`` is a child-protection practitioner's override for one viewing (the
    caller has shown the warning, taken a reason and a fresh two-factor check).
    """
    today = _today(today)
    decision = can_search(user, today=today)
    if not decision:
        return RecordAccess(False, reason=decision.message)
    if not purpose:
        return RecordAccess(False, reason="Say why you are opening this record.")
    if purpose not in purposes_for(user):
        return RecordAccess(False, reason="That purpose is not open to your role.")
    if child.status == ChildStatus.MERGED:
        return RecordAccess(False, reason="This record was merged into another record.")
    own_la_team = (
        user.role == Role.INDEX_TEAM and child.responsible_la_id == user.local_authority_id
    )
    if user.role == Role.INDEX_TEAM and not own_la_team:
        return RecordAccess(False, reason="An LA index team works only on its own LA's records.")
    if child.status == ChildStatus.ARCHIVED:
        in_window = child.archived_on and child.archived_on >= _archive_window_start(today)
        if not (own_la_team and in_window):
            return RecordAccess(False, reason="This record is archived.")

    alerts: list[AccessAlert] = []
    view = Visibility.FULL
    if child.shielded:
        alerts.append(AccessAlert.SHIELDED_RECORD)
        if own_la_team:
            view = Visibility.FULL
        elif shield_override and user.role == Role.CHILD_PROTECTION:
            view = Visibility.FULL
            alerts.append(AccessAlert.SHIELD_OVERRIDE)
        else:
            view = Visibility.SHIELDED
    reveals_hidden = (
        user.role == Role.CHILD_PROTECTION
        and purpose == Purpose.CHILD_PROTECTION_ENQUIRY
        and view == Visibility.FULL
    )
    if reveals_hidden:
        alerts.append(AccessAlert.BREAK_GLASS)
    return RecordAccess(True, view=view, reveals_hidden=reveals_hidden, alerts=tuple(alerts))


def can_override_shield(user: User) -> bool:
    return user.role == Role.CHILD_PROTECTION


# --- Involvements -----------------------------------------------------------------------------


def _holds(user: User, involvement: InvolvementFacts) -> bool:
    """The practitioner who holds (or logged) an involvement always sees it; so does the
    connected system of the organisation providing it (an API client of that organisation:
    its own records, which it sent or whose indicators it owns)."""
    if (
        getattr(user, "system_account", False)
        and user.organisation_id is not None
        and involvement.service.organisation_id == user.organisation_id
    ):
        return True
    return (
        user.practitioner_id is not None and involvement.practitioner_id == user.practitioner_id
    ) or (involvement.logged_by_id is not None and involvement.logged_by_id == user.pk)


def consent_stands_for(
    involvement: InvolvementFacts, consents: Iterable[ConsentFacts], *, on: dt.date
) -> bool:
    """Whether a standing consent covers this involvement (``consents``: the child's consents).

    Consent to additional services in general covers every non-sensitive additional or
    specialist service; a sensitive service needs consent to that named service.
    """
    for consent in consents:
        if consent.child_id != involvement.child_id:
            continue
        if consent.given_on > on or (
            consent.withdrawn_on is not None and consent.withdrawn_on <= on
        ):
            continue
        if consent.scope == Scope.NAMED_SERVICE and consent.service_id == involvement.service_id:
            return True
        if consent.scope == Scope.ADDITIONAL_SERVICES and involvement.basis == Basis.CONSENT:
            return True
    return False


def involvement_view(
    user: User,
    involvement: InvolvementFacts,
    *,
    access: RecordAccess,
    consents: Iterable[ConsentFacts],
    today: dt.date | None = None,
) -> Visibility:
    """How ``user`` sees one involvement on a record they opened with ``access``."""
    today = _today(today)
    if not access.allowed or access.view != Visibility.FULL:
        return Visibility.HIDDEN
    if _holds(user, involvement):
        return Visibility.FULL
    own_la_team = (
        user.role == Role.INDEX_TEAM
        and involvement.child.responsible_la_id == user.local_authority_id
    )
    basis = involvement.basis
    if basis in (Basis.UNIVERSAL, Basis.STATUTORY):
        return Visibility.FULL
    if basis == Basis.CONSENT:
        return (
            Visibility.FULL
            if consent_stands_for(involvement, consents, on=today)
            else Visibility.HIDDEN
        )
    if basis == Basis.SENSITIVE_CONSENT:
        if not consent_stands_for(involvement, consents, on=today):
            return Visibility.HIDDEN
        return Visibility.FULL if own_la_team else Visibility.SENSITIVE
    if basis == Basis.HIDDEN_CONCERN:
        return Visibility.FULL if access.reveals_hidden else Visibility.HIDDEN
    return Visibility.HIDDEN


def shown_only_for_enquiry(
    user: User,
    involvement: InvolvementFacts,
    *,
    access: RecordAccess,
    consents: Iterable[ConsentFacts],
    today: dt.date | None = None,
) -> bool:
    """Is this involvement shown only because the record was opened for a child protection
    enquiry (it would be hidden otherwise)? The page marks each one, so the practitioner knows
    what the enquiry revealed, and that the family has not agreed to its being shared."""
    if not access.reveals_hidden:
        return False
    if involvement_view(user, involvement, access=access, consents=consents, today=today) == (
        Visibility.HIDDEN
    ):
        return False
    without = replace(access, reveals_hidden=False)
    return (
        involvement_view(user, involvement, access=without, consents=consents, today=today)
        == Visibility.HIDDEN
    )


# --- Consent ----------------------------------------------------------------------------------


def _works_with(user: User, involvements: Iterable[InvolvementFacts]) -> bool:
    """``user`` holds a current involvement among ``involvements`` (the child's)."""
    return any(inv.ended_on is None and _holds(user, inv) for inv in involvements)


def can_record_consent(
    user: User,
    *,
    involvements: Iterable[InvolvementFacts],
    service: _NamedService | None = None,
) -> PolicyDecision:
    """A family's consent is recorded by a practitioner who works with the child (holds a
    current involvement with them), or by the connected system of an organisation that does.
    ``involvements``: the child's involvements. Consent to one named ``service`` is recorded
    only by one who holds that service's involvement."""
    involvements = list(involvements)
    decision = can_search(user)
    if not decision:
        return decision
    if user.role not in {Role.PRACTITIONER, Role.CHILD_PROTECTION}:
        return PolicyDecision(
            False, ("Only a practitioner who works with the child records consent.",)
        )
    if not _works_with(user, involvements):
        return PolicyDecision(
            False,
            (
                "Only a practitioner who works with the child records or withdraws consent: "
                "log your involvement first.",
            ),
        )
    if service is not None and not _works_with(
        user, [inv for inv in involvements if inv.service_id == service.pk]
    ):
        return PolicyDecision(
            False, ("Consent to a named service is recorded by that service's practitioner.",)
        )
    return PolicyDecision(True)


def consent_view(
    user: User,
    consent: ConsentShown,
    *,
    access: RecordAccess,
    seen_service_ids: Iterable[int],
    today: dt.date | None = None,
) -> Visibility:
    """How ``user`` sees one of the child's consents on a record opened with ``access``.

    ``seen_service_ids``: the services of the involvements this user sees in full. A consent to
    a sensitive service names it only to those who see that service's involvement in full
    (its holder, the LA's index team); others see "a sensitive service" while the consent
    stands, and nothing once it is withdrawn (as the involvement itself is then hidden)."""

    today = _today(today)
    if not access.allowed or access.view != Visibility.FULL:
        return Visibility.HIDDEN
    service = consent.service if consent.scope == Scope.NAMED_SERVICE else None
    if service is None or not service.sensitive or service.pk in set(seen_service_ids):
        return Visibility.FULL
    stands = consent.given_on <= today and (
        consent.withdrawn_on is None or consent.withdrawn_on > today
    )
    return Visibility.SENSITIVE if stands else Visibility.HIDDEN


def can_withdraw_consent(
    user: User, consent: ConsentShown, *, involvements: Iterable[InvolvementFacts]
) -> PolicyDecision:
    """A practitioner who may record consent for the child may withdraw it, except that a
    consent to a sensitive service is withdrawn only by one who holds that service's
    involvement."""

    involvements = list(involvements)
    decision = can_record_consent(user, involvements=involvements)
    if not decision:
        return decision
    if (
        consent.scope == Scope.NAMED_SERVICE
        and consent.service is not None
        and consent.service.sensitive
    ):
        own = [inv for inv in involvements if inv.service_id == consent.service_id]
        if not any(_holds(user, inv) for inv in own):
            return PolicyDecision(
                False,
                ("Only the sensitive service's own practitioner can withdraw this consent.",),
            )
    return PolicyDecision(True)


# --- Changes ----------------------------------------------------------------------------------


def can_change_involvement(user: User, involvement: InvolvementFacts) -> PolicyDecision:
    """Nobody edits another practitioner's involvement."""
    if not can_search(user):
        return can_search(user)
    if _holds(user, involvement):
        return PolicyDecision(True)
    return PolicyDecision(False, ("Only the practitioner who holds an involvement can change it.",))


def can_log_involvement(user: User) -> PolicyDecision:
    """Practitioners log their own service's involvement; they need a directory entry."""
    decision = can_search(user)
    if not decision:
        return decision
    if user.role not in {Role.PRACTITIONER, Role.CHILD_PROTECTION} or user.practitioner_id is None:
        return PolicyDecision(
            False, ("Only a practitioner in the directory can log an involvement.",)
        )
    return PolicyDecision(True)


def can_maintain_la(user: User, local_authority_id: int | None) -> PolicyDecision:
    """An LA index team maintains only its own LA's partition (accounts, shielding, feeds)."""
    if user.role == Role.INDEX_TEAM and user.local_authority_id == local_authority_id:
        decision = can_search(user)
        return decision if not decision else PolicyDecision(True)
    return PolicyDecision(False, ("Only the LA's own index team can do this.",))


# --- Audit ------------------------------------------------------------------------------------


def can_audit(
    user: User, local_authority_id: int | None, *, today: dt.date | None = None
) -> PolicyDecision:
    """May ``user`` read the audit trail and review alerts about ``local_authority_id``?

    Only the LA's own auditors (the information governance team), with every prerequisite of
    access but the searching role: an approved, unsuspended account, an in-date DBS check,
    training and two-factor authentication. Auditors read who accessed what; they never open a
    child's record. Every read they make is itself audited.
    """
    if not user.is_authenticated:
        return PolicyDecision(False, ("Sign in to read the audit trail.",))
    if user.role != Role.AUDITOR:
        return PolicyDecision(False, ("Only auditors can read the audit trail.",))
    if local_authority_id is None or user.local_authority_id != local_authority_id:
        return PolicyDecision(False, ("Auditors read the audit trail of their own LA only.",))
    return has_role_access(user, [Role.AUDITOR], today=today)


# --- Reports (issue 14) -----------------------------------------------------------------------


def can_read_reports(
    user: User, local_authority_id: int | None, *, today: dt.date | None = None
) -> PolicyDecision:
    """May ``user`` read ``local_authority_id``'s reports: data quality, coverage, planning
    statistics, feed health and subject access exports?

    Only the LA's own index team, with every prerequisite of access: the worklists name
    children, and a subject access export holds a whole record and who looked at it. Counts are
    suppressed below five on every report all the same (``reports.suppression``).
    """
    if not user.is_authenticated:
        return PolicyDecision(False, ("Sign in to read the reports.",))
    if user.role != Role.INDEX_TEAM:
        return PolicyDecision(False, ("Only the LA's index team can read its reports.",))
    if local_authority_id is None or user.local_authority_id != local_authority_id:
        return PolicyDecision(False, ("An LA index team reads only its own LA's reports.",))
    return can_search(user, today=today)


def can_load_population_estimates(user: User, *, today: dt.date | None = None) -> PolicyDecision:
    """The national operator loads every LA's child population estimates (ONS mid-year
    estimates), which the coverage report compares the index with."""
    return has_role_access(user, [Role.NATIONAL_OPERATOR], today=today)


class Requester(models.TextChoices):
    """Who asked, through the LA, for a copy of what the index holds about a child. The index
    team chooses; what is disclosed follows (``subject_access_redaction``)."""

    YOUNG_PERSON = "young_person", "The young person"
    PARENT_WITH_PR = "parent_with_pr", "A parent with parental responsibility"
    PARENT_WITHOUT_PR = "parent_without_pr", "A parent without parental responsibility"


@dataclass(frozen=True)
class SubjectAccessRedaction:
    """What a subject access export withholds from this requester, and the reasons it says.

    Always withheld: other children (siblings are never named), carers' contact details (the
    requester has their own; another carer's are not theirs to have), hidden concerns (held
    without consent because telling the family could put the child at risk), and the source
    systems' raw rows (only which system listed the child and when).
    """

    requester: str
    location_withheld: bool
    sensitive_withheld: bool
    accessor_names: bool
    accessor_organisations: bool
    carers_contact_details: bool = False
    reasons: tuple[str, ...] = ()


def subject_access_redaction(
    *,
    requester: str,
    child: ChildFacts,
    shield_protects_against_requester: bool,
    accessor_names_shown: bool,
) -> SubjectAccessRedaction:
    """What ``requester`` may be given of ``child``'s record.

    - A young person gets all of their own record but hidden concerns.
    - A parent does not get a service the young person uses in confidence (a sensitive
      service, with the young person's consent).
    - A shielded child's location (addresses, and the organisations and practitioners that
      would place the child, among them those who looked at the record) is withheld from the
      person the shield protects the child against; a parent without parental responsibility
      is never given the child's location.
    - Who looked at the record is given as role and organisation; individuals are named only
      where the LA's policy says so and the location is not withheld.
    """
    reasons = [
        "Concerns recorded without consent are not included.",
        "Other children and carers' contact details are not included.",
    ]
    parent = requester != Requester.YOUNG_PERSON
    location_withheld = (requester == Requester.PARENT_WITHOUT_PR) or (
        parent and child.shielded and shield_protects_against_requester
    )
    if location_withheld:
        reasons.append(
            "Where the child lives, and the organisations that would show it, are not included."
        )
    if parent:
        reasons.append("Services the young person uses in confidence are not included.")
    names = accessor_names_shown and not location_withheld
    if not names:
        reasons.append("People who looked at the record are given by role, not by name.")
    return SubjectAccessRedaction(
        requester=requester,
        location_withheld=location_withheld,
        sensitive_withheld=parent,
        accessor_names=names,
        accessor_organisations=not location_withheld,
        reasons=tuple(reasons),
    )


def subject_access_involvement_view(
    redaction: SubjectAccessRedaction, involvement: InvolvementFacts
) -> Visibility:
    """How one involvement appears in a subject access export: in full, as the kind of
    service with its dates only (``Visibility.SHIELDED``: location withheld), or not at all."""
    if involvement.basis == Basis.HIDDEN_CONCERN:
        return Visibility.HIDDEN
    if involvement.basis == Basis.SENSITIVE_CONSENT and redaction.sensitive_withheld:
        return Visibility.HIDDEN
    return Visibility.SHIELDED if redaction.location_withheld else Visibility.FULL


def can_read_national(user: User, *, today: dt.date | None = None) -> PolicyDecision:
    """The national operator's pages: the LAs and nations, national counts, feed health and
    accounts by LA and role. Counts only: no page of theirs shows a child."""
    return has_role_access(user, [Role.NATIONAL_OPERATOR], today=today)
