"""Which services work with a synthetic child, since when, and the consents they rest on.

Plain Python, no Django. Universal services (GP, school, early years, health visiting) reach
nearly every child of the right age; targeted ones a few in a hundred, at rough English rates.
Every basis of §3 occurs: universal, consent (one consent to additional services in general),
sensitive consent (to one named service), statutory, and a few hidden concerns logged by a
practitioner. A child has at most one current lead professional.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from childindex.synthetic.directory import UNIVERSAL, LaDirectory, Service
from childindex.synthetic.people import (
    Address,
    Carer,
    Child,
    Consent,
    Involvement,
    academic_year,
    age_on,
)


@dataclass(frozen=True, slots=True)
class Episode:
    role: str
    min_age: int
    max_age: int
    chance: float
    within_days: int  # started at most this long ago
    ended: float  # chance that it has already ended
    assessments: tuple[tuple[str, float], ...] = ()


EPISODES = (
    Episode("early_help", 0, 17, 0.030, 900, 0.35, (("early_help", 0.5), ("caf", 0.3))),
    Episode("speech_language", 2, 11, 0.030, 900, 0.3, (("health", 0.2), ("ehc_needs", 0.05))),
    Episode("education_welfare", 5, 16, 0.010, 540, 0.3),
    Episode("camhs_neuro", 4, 17, 0.012, 900, 0.2, (("health", 0.3),)),
    Episode("camhs_mental_health", 8, 17, 0.015, 700, 0.3, (("health", 0.3),)),
    Episode("paediatrics", 0, 17, 0.020, 900, 0.3, (("health", 0.3), ("ehc_needs", 0.05))),
    Episode("sexual_health", 13, 17, 0.015, 500, 0.4),
    Episode("substance_misuse", 12, 17, 0.006, 500, 0.3),
    Episode("connexions", 13, 17, 0.040, 700, 0.3),
    Episode("youth_service", 11, 17, 0.080, 900, 0.3),
    Episode("family_support", 0, 17, 0.010, 600, 0.4),
    Episode("child_in_need", 0, 17, 0.012, 700, 0.3, (("child_and_family", 0.9),)),
    Episode("child_protection", 0, 17, 0.004, 500, 0.2, (("section_47", 1.0),)),
    Episode("youth_justice", 10, 17, 0.004, 500, 0.3),
)
LOOKED_AFTER = Episode("looked_after", 0, 17, 1.0, 1500, 0.0, (("health", 0.8),))
LEAD_PREFERENCE = (
    "child_protection",
    "looked_after",
    "child_in_need",
    "early_help",
    "youth_justice",
    "family_support",
    "education_welfare",
)
HIDDEN_CONCERN = 0.0015
HIDDEN_CONCERN_ROLES = ("primary", "secondary", "gp", "health_visiting", "school_nursing")
WITHDRAWN = 0.03


@dataclass(slots=True)
class ChildContext:
    """What the plan needs to know about a child beyond the record itself."""

    as_of: dt.date
    horizon: dt.date  # nothing starts after it; open involvements end on it (death, emigration)
    school_year: int
    age: int
    la_directory: LaDirectory
    previous_la_directory: LaDirectory | None
    home: Address
    previous_home: Address | None
    moved_on: dt.date | None
    arrived_on: dt.date | None
    gp_registered: bool
    looked_after: bool
    carers_with_pr: list[Carer]
    # A neighbouring authority: a few children who live near a boundary go to a school or a
    # GP practice across it (so their LA's services are not all in their LA).
    neighbour_la_directory: LaDirectory | None = None


CROSS_BORDER_SHARE = 0.03


def plan_involvements(child: Child, context: ChildContext, rng: random.Random) -> None:
    """Fill ``child.involvements`` and ``child.consents``."""
    plan = _Plan(child, context, rng)
    plan.universal()
    plan.targeted()
    plan.hidden_concern()
    plan.lead_professional()
    plan.consents()
    if context.horizon < context.as_of:
        for involvement in child.involvements:
            if involvement.ended_on is None:
                involvement.ended_on = context.horizon
                involvement.lead = False


class _Plan:
    def __init__(self, child: Child, context: ChildContext, rng: random.Random) -> None:
        self.child, self.ctx, self.rng = child, context, rng
        self.dob = child.date_of_birth
        self.seen: set[tuple[str, dt.date]] = set()

    def _clamp(self, day: dt.date) -> dt.date:
        return min(max(day, self.dob), self.ctx.horizon)

    def _days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def _between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + self._days(0, max(0, (end - start).days))

    def add(
        self,
        service: Service,
        started_on: dt.date,
        ended_on: dt.date | None = None,
        hidden_concern: bool = False,
    ) -> Involvement | None:
        started_on = self._clamp(started_on)
        if (service.key, started_on) in self.seen:
            return None  # the same service from the same day is one involvement
        self.seen.add((service.key, started_on))
        staff = next(
            d.staff[service.key]
            for d in (
                self.ctx.la_directory,
                self.ctx.previous_la_directory,
                self.ctx.neighbour_la_directory,
            )
            if d is not None and service.key in d.staff
        )
        involvement = Involvement(
            service=service,
            practitioner=self.rng.choice(staff),
            started_on=started_on,
            ended_on=max(ended_on, started_on) if ended_on else None,
            hidden_concern=hidden_concern,
        )
        self.child.involvements.append(involvement)
        return involvement

    # --- universal services ----------------------------------------------------------------

    def _local(self, role: str, first_start: dt.date, change_on_move: float) -> None:
        """A nearby school, setting or practice, changed when the family moved (always when it
        moved from another authority)."""
        ctx, rng = self.ctx, self.rng
        current = ctx.la_directory.nearby(role, ctx.home.outward, rng)
        if ctx.neighbour_la_directory is not None and rng.random() < CROSS_BORDER_SHARE:
            current = ctx.neighbour_la_directory.nearby(role, "*", rng)
        if (
            ctx.moved_on
            and ctx.previous_home
            and ctx.previous_la_directory
            and first_start < ctx.moved_on <= ctx.horizon
        ):
            moved_la = ctx.previous_la_directory is not ctx.la_directory
            if moved_la or rng.random() < change_on_move:
                old = ctx.previous_la_directory.nearby(role, ctx.previous_home.outward, rng)
                if old is not current:
                    self.add(old, first_start, ended_on=ctx.moved_on)
                    self.add(current, ctx.moved_on + self._days(0, 21))
                    return
        self.add(current, first_start)

    def universal(self) -> None:
        ctx, rng, dob = self.ctx, self.rng, self.dob
        arrival = ctx.arrived_on + self._days(3, 40) if ctx.arrived_on else None
        if ctx.gp_registered:
            self._local("gp", arrival or dob + self._days(14, 60), 0.6)
        year = ctx.school_year
        term = academic_year(ctx.as_of) - year  # the year this child started reception
        if year < 0 and rng.random() < 0.97:
            new_birth_visit = dob + self._days(10, 14)
            self.add(ctx.la_directory.by_role["health_visiting"], arrival or new_birth_visit)
        if year < 0 and rng.random() < {-1: 0.85, -2: 0.55}.get(year, 0.12):
            start = (
                min(dt.date(academic_year(ctx.as_of), 9, rng.randint(2, 9)), ctx.as_of)
                if (year >= -2)
                else dob + self._days(180, 400)
            )
            if start <= ctx.horizon:
                self._local("early_years", start, 0.8)
        if 0 <= year <= 13 and rng.random() < (0.99 if year <= 11 else 0.45):
            secondary = year >= 7
            start = min(dt.date(term + (7 if secondary else 0), 9, rng.randint(2, 9)), ctx.as_of)
            if arrival and arrival > start:
                start = arrival
            if start <= ctx.horizon:
                if year == 7 and not arrival:  # left primary school in July
                    primary = ctx.la_directory.nearby("primary", ctx.home.outward, rng)
                    self.add(
                        primary,
                        dt.date(term, 9, rng.randint(2, 9)),
                        ended_on=dt.date(term + 7, 7, rng.randint(18, 24)),
                    )
                self._local("secondary" if secondary else "primary", start, 0.5)
        if year >= 0 and rng.random() < 0.06:
            start = ctx.as_of - self._days(0, 700)
            ended = self._between(start, ctx.horizon) if rng.random() < 0.3 else None
            self.add(ctx.la_directory.by_role["school_nursing"], start, ended)

    # --- targeted services -----------------------------------------------------------------

    def _episode(self, episode: Episode) -> None:
        ctx, rng = self.ctx, self.rng
        start = ctx.as_of - self._days(0, episode.within_days)
        start = self._clamp(start)
        ended = self._between(start, ctx.horizon) if rng.random() < episode.ended else None
        involvement = self.add(ctx.la_directory.by_role[episode.role], start, ended)
        if involvement is None:
            return
        roll = rng.random()
        for assessment_type, chance in episode.assessments:
            if roll < chance:
                involvement.assessment_type = assessment_type
                involvement.assessment_on = self._between(start, ended or ctx.horizon)
                break
            roll -= chance
        involvement.has_information_to_share = rng.random() < 0.1
        involvement.taking_action = ended is None and rng.random() < 0.3

    def targeted(self) -> None:
        ctx = self.ctx
        for episode in EPISODES:
            if episode.min_age <= ctx.age <= episode.max_age and self.rng.random() < episode.chance:
                self._episode(episode)
        if ctx.looked_after:
            self._episode(LOOKED_AFTER)

    def hidden_concern(self) -> None:
        """A practitioner worried about a child, without consent: logged, shown to nobody but a
        child-protection enquiry."""
        if self.rng.random() >= HIDDEN_CONCERN:
            return
        own = [
            i.service
            for i in self.child.involvements
            if i.is_current and i.service.role in HIDDEN_CONCERN_ROLES
        ]
        service = (
            self.rng.choice(own) if own else self.ctx.la_directory.by_role["education_welfare"]
        )
        self.add(service, self.ctx.as_of - self._days(0, 90), hidden_concern=True)

    def lead_professional(self) -> None:
        candidates = [
            i
            for i in self.child.involvements
            if i.is_current and not i.hidden_concern and i.service.category != UNIVERSAL
        ]
        if not candidates or self.rng.random() >= (0.7 if len(candidates) > 1 else 0.3):
            return

        def preference(involvement: Involvement) -> int:
            role = involvement.service.role
            return LEAD_PREFERENCE.index(role) if role in LEAD_PREFERENCE else len(LEAD_PREFERENCE)

        min(candidates, key=preference).lead = True

    # --- consents --------------------------------------------------------------------------

    def _consent(
        self, scope: str, service: Service | None, given_on: dt.date, young_person_from: int
    ) -> None:
        rng, ctx = self.rng, self.ctx
        young = age_on(self.dob, given_on) >= young_person_from and (
            service is not None or rng.random() < 0.5
        )
        withdrawn = self._between(given_on, ctx.horizon) if rng.random() < WITHDRAWN else None
        self.child.consents.append(
            Consent(
                given_by="young_person" if young else "parent_carer",
                carer=None if young else rng.choice(ctx.carers_with_pr),
                scope=scope,
                service=service,
                given_on=given_on,
                withdrawn_on=withdrawn,
            )
        )

    def consents(self) -> None:
        """One consent to additional services in general; one per sensitive service, from the
        young person once old enough to understand (13 here), otherwise from a parent."""
        needing = [
            i for i in self.child.involvements if i.service.needs_consent and not i.hidden_concern
        ]
        general = [i for i in needing if not i.service.sensitive]
        if general:
            first = min(i.started_on for i in general)
            self._consent(
                "additional_services",
                None,
                max(self.dob, first - self._days(0, 14)),
                young_person_from=14,
            )
        for involvement in needing:
            if involvement.service.sensitive:
                self._consent(
                    "named_service",
                    involvement.service,
                    max(self.dob, involvement.started_on - self._days(0, 7)),
                    young_person_from=13,
                )
