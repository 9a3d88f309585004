"""The reports (issue 14): data quality worklists, coverage, planning statistics, feed health
over time and subject access, for the LA's index team; population estimates for the national
operator. The selectors ask the policy (``policy.can_read_reports``) and audit every read;
these views parse, call and render, and each report has a CSV download whose cells pass
through the one formula neutraliser (``core.spreadsheets.csv_safe``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import get_nonce as _lazy_nonce
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods

from childindex.access.models import Role
from childindex.access.policy import Requester
from childindex.core.identifiers import IdentifierError, validate_index_number
from childindex.core.spreadsheets import csv_safe
from childindex.records.models import Child
from childindex.reports import charts, selectors, services, subject_access
from childindex.reports.suppression import Count
from childindex.web.decorators import no_store, requires_index_team, requires_role
from childindex.web.forms.base import GovukForm
from childindex.web.http import AuthenticatedRequest
from childindex.web.service_errors import add_to_form


def _csp_nonce(request: HttpRequest) -> str | None:
    """The request's CSP nonce as the charts take it (Django's is a lazy string)."""
    nonce = _lazy_nonce(request)
    return None if nonce is None else str(nonce)


def _cell(value: Any) -> str:
    if isinstance(value, Count):
        return value.shown
    return csv_safe(value)


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _refresh_minutes() -> int:
    return settings.REPORT_COUNTS_MINUTES


def _months(request: AuthenticatedRequest) -> int:
    try:
        return min(max(int(request.GET.get("months", selectors.DEFAULT_STALE_MONTHS)), 1), 60)
    except ValueError:
        return selectors.DEFAULT_STALE_MONTHS


@requires_index_team
@require_GET
def reports_home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "reports/home.html", {"worklists": selectors.WORKLISTS.values()})


@requires_index_team
@require_GET
def data_quality(request: AuthenticatedRequest) -> HttpResponse:
    export = request.GET.get("format") == "csv"
    summary = selectors.data_quality_summary(
        actor=request.user, months=_months(request), export=export
    )
    if export:
        rows = [("worklist", w.title, c) for w, c in summary["worklists"]]
        rows += [("review items waiting", label, c) for label, c in summary["review_ages"]]
        rows += [
            (f"row problems: {severity}", p.feed.label, count)
            for p in summary["row_problems"]
            for severity, count in (("rejected", p.rejected), ("warnings", p.warnings))
        ]
        rows += [("counts as of", summary["as_of"].isoformat(), "")]
        return csv_download("data-quality.csv", ("measure", "what", "count"), rows)
    return render(
        request, "reports/data_quality.html", {**summary, "refresh_minutes": _refresh_minutes()}
    )


@requires_index_team
@no_store
@require_GET
def worklist(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    if slug not in selectors.WORKLISTS:
        raise Http404("No such worklist.")
    export = request.GET.get("format") == "csv"
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    view = selectors.worklist(
        actor=request.user, slug=slug, page=page, months=_months(request), export=export
    )
    if export:
        return csv_download(
            f"{slug}.csv",
            ("index number", "name", "date of birth", "age", "postcode district", "shielded"),
            (
                (r.formatted_index_number, r.name, r.date_of_birth, r.age, r.district, r.shielded)
                for r in view.rows
            ),
        )
    return render(request, "reports/worklist.html", {"view": view})


@requires_index_team
@require_GET
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = None
    export = request.GET.get("format") == "csv"
    view = selectors.coverage(actor=request.user, year=year, export=export)
    if export:
        rows: list[tuple[object, ...]] = [
            ("single year of age", r.label, r.in_index, r.estimate or "", r.coverage)
            for r in view.by_age
        ]
        rows += [
            ("age band", r.label, r.in_index, r.estimate or "", r.coverage) for r in view.by_band
        ]
        rows += [
            ("over time", r.label, r.in_index, r.estimate or "", r.coverage) for r in view.over_time
        ]
        rows += [
            ("postcode district", d, n, "", f"GP {gp}; school {school}")
            for d, n, gp, school, _ in view.by_district
        ]
        rows += [("counts as of", view.as_of.isoformat(), "", "", "")]
        return csv_download(
            "coverage.csv",
            ("measure", "group", "children in the index", "estimate", "coverage"),
            rows,
        )
    nonce = _csp_nonce(request)
    chart = charts.bar_chart(
        title=f"Children in the index against the estimate, mid-{view.year}"
        if view.year
        else "Children in the index by age",
        description="For each single year of age, the children in the index and the LA's "
        "child population estimate; the table below gives the numbers.",
        labels=[r.label for r in view.by_age],
        series=[
            charts.Series("In the index", [r.in_index for r in view.by_age]),
            charts.Series("Estimate", [r.estimate for r in view.by_age]),
        ],
        nonce=nonce,
        unit="children",
    )
    trend = None
    if len(view.over_time) > 1:
        trend = charts.line_chart(
            title="Coverage over time",
            description="The share of the estimated child population that is in the index at "
            "each mid-year loaded; the table below gives the numbers.",
            labels=[r.label for r in view.over_time],
            series=[charts.Series("Coverage (%)", [r.coverage_percent for r in view.over_time])],
            nonce=nonce,
            unit="per cent",
        )
    return render(
        request,
        "reports/coverage.html",
        {"view": view, "chart": chart, "trend": trend, "refresh_minutes": _refresh_minutes()},
    )


@requires_index_team
@require_GET
def planning(request: AuthenticatedRequest) -> HttpResponse:
    export = request.GET.get("format") == "csv"
    view = selectors.planning(actor=request.user, export=export)
    labels = [label for _, label in view.categories]
    if export:
        rows: list[Sequence[Any]] = [
            ("age band", band, "children", n) for band, n, _ in view.by_band
        ]
        rows += [
            ("age band", band, f"{label} involvements", c)
            for band, _, cells in view.by_band
            for label, c in zip(labels, cells, strict=True)
        ]
        rows += [("service category", label, "children", n) for label, n, _ in view.by_category]
        rows += [("service category", label, "involvements", i) for label, _, i in view.by_category]
        rows += [("postcode district", d, "children", n) for d, n, _ in view.by_district]
        rows += [
            ("postcode district", d, f"{label} involvements", c)
            for d, _, cells in view.by_district
            for label, c in zip(labels, cells, strict=True)
        ]
        for m, s, e, c in zip(view.months, view.started, view.ended, view.current, strict=True):
            rows += [
                ("month", m, "started", s),
                ("month", m, "ended", e),
                ("month", m, "current", c),
            ]
        rows += [("counts as of", view.as_of.isoformat(), "", "")]
        return csv_download("planning.csv", ("measure", "group", "what", "count"), rows)
    nonce = _csp_nonce(request)
    band_chart = charts.bar_chart(
        title="Current involvements by age band and service category",
        description="For each age band, the current involvements of each service category; "
        "the table beside it gives the numbers.",
        labels=[band for band, _, _ in view.by_band],
        series=[
            charts.Series(label, [cells[i] for _, _, cells in view.by_band])
            for i, label in enumerate(labels)
        ],
        nonce=nonce,
        unit="involvements",
    )
    trend_chart = charts.line_chart(
        title="Involvements by month",
        description="Involvements started and ended each month, over the last two years; the "
        "table beside it gives the numbers.",
        labels=view.months,
        series=[charts.Series("Started", view.started), charts.Series("Ended", view.ended)],
        nonce=nonce,
        unit="involvements",
    )
    return render(
        request,
        "reports/planning.html",
        {
            "view": view,
            "labels": labels,
            "band_chart": band_chart,
            "trend_chart": trend_chart,
            "trend": list(zip(view.months, view.started, view.ended, view.current, strict=True)),
            "refresh_minutes": _refresh_minutes(),
        },
    )


@requires_index_team
@require_GET
def feed_history(request: AuthenticatedRequest) -> HttpResponse:
    export = request.GET.get("format") == "csv"
    history = selectors.feed_history(actor=request.user, export=export)
    if export:
        return csv_download(
            "feed-health.csv",
            (
                "feed",
                "run started",
                "file",
                "rows",
                "match rate",
                "sent to review",
                "still waiting",
                "rejected",
                "warnings",
            ),
            (
                (
                    feed,
                    h.run.started_at.isoformat(),
                    h.run.file_name,
                    h.rows,
                    h.match_percent,
                    h.sent_to_review,
                    h.still_waiting,
                    h.rejected,
                    h.warned,
                )
                for feed, runs in history.items()
                for h in runs
            ),
        )
    nonce = _csp_nonce(request)
    feeds = []
    for feed, runs in history.items():
        labels = [h.run.started_at.strftime("%d %b %Y %H:%M") for h in runs]
        feeds.append(
            (
                feed,
                runs,
                charts.line_chart(
                    title=f"{feed}: match rate per import",
                    description="The share of each import's rows the index matched to a "
                    "child; the table beside it gives the rows, review, rejected and warning "
                    "counts.",
                    labels=labels,
                    series=[
                        charts.Series(
                            "Matched (%)",
                            [
                                None if h.match_rate is None else round(100 * h.match_rate, 1)
                                for h in runs
                            ],
                        )
                    ],
                    nonce=nonce,
                    unit="per cent",
                ),
            )
        )
    return render(request, "reports/feed_history.html", {"feeds": feeds})


# --- Subject access ---------------------------------------------------------------------------


class SubjectAccessForm(GovukForm):
    index_number = forms.CharField(
        label="Index number of the child",
        max_length=20,
        error_messages={"required": "Enter the child's index number"},
    )
    requester = forms.ChoiceField(
        label="Who made the request",
        choices=Requester.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who made the request"},
    )
    shield = forms.ChoiceField(
        label="Is the requester someone the record's shield protects the child from?",
        choices=[("no", "No"), ("yes", "Yes")],
        widget=forms.RadioSelect,
        required=False,
    )
    output = forms.ChoiceField(
        label="Format",
        choices=[("html", "A page to print"), ("pdf", "PDF"), ("json", "JSON")],
        widget=forms.RadioSelect,
        initial="html",
        error_messages={"required": "Select a format"},
    )

    def clean_index_number(self) -> str:
        value = "".join(ch for ch in self.cleaned_data["index_number"] if ch.isdigit())
        try:
            validate_index_number(value)
        except IdentifierError:
            raise ValidationError(
                "Enter an index number of 11 digits, like 1234 5678 901"
            ) from None
        return value


@requires_index_team
@no_store
@require_http_methods(["GET", "POST"])
def subject_access_form(request: AuthenticatedRequest) -> HttpResponse:
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = subject_access.la_child(
                actor=request.user, index_number=form.cleaned_data["index_number"]
            )
        except Child.DoesNotExist:
            form.add_error("index_number", "No record of your LA has that index number")
        else:
            if child.shielded and not form.cleaned_data["shield"]:
                form.add_error(
                    "shield",
                    "This record is shielded: say whether the shield protects the child from "
                    "the requester",
                )
            else:
                export = subject_access.subject_access_export(
                    actor=request.user,
                    child=child,
                    requester=form.cleaned_data["requester"],
                    shield_protects_against_requester=form.cleaned_data["shield"] == "yes",
                )
                return _subject_access_output(request, export, form.cleaned_data["output"])
    return render(request, "reports/subject_access_form.html", {"form": form})


def _subject_access_output(request: AuthenticatedRequest, export, output: str) -> HttpResponse:
    if output == "json":
        response = HttpResponse(
            json.dumps(export.as_json(), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="subject-access.json"'
        return response
    if output == "pdf":
        from weasyprint import HTML  # imported on use: it loads Pango

        html = render_to_string(
            "reports/subject_access_document.html",
            {"export": export, "sections": export.sections()},
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="subject-access.pdf"'
        return response
    return render(
        request, "reports/subject_access.html", {"export": export, "sections": export.sections()}
    )


# --- National operator: population estimates --------------------------------------------------


class EstimatesForm(GovukForm):
    file = forms.FileField(
        label="Mid-year estimates file (CSV)",
        error_messages={"required": "Choose a CSV file of mid-year estimates"},
    )


@requires_role(Role.NATIONAL_OPERATOR)
@require_http_methods(["GET", "POST"])
def population_estimates(request: AuthenticatedRequest) -> HttpResponse:
    form = EstimatesForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
            loaded = services.population_estimates_load_text(
                actor=request.user, text=text, file_name=upload.name
            )
        except UnicodeDecodeError:
            form.add_error("file", "The file must be a CSV file in UTF-8")
        except ValidationError as exc:
            add_to_form(form, exc, field="file")
        else:
            if not loaded.local_authorities:
                form.add_error("file", "The file holds no local authority of the index")
            else:
                messages.success(
                    request,
                    f"Loaded {loaded.rows:,} estimates for "
                    f"{len(loaded.local_authorities)} local authorities.",
                )
                return redirect("web:population-estimates")
    return render(
        request,
        "reports/population_estimates.html",
        {"form": form, "loaded": selectors.estimates_loaded(actor=request.user)},
    )
