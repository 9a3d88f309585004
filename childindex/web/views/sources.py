"""The LA index team's feed pages: the review queue and its decisions, feed health, an
import's progress and rejected rows, merges. Only its own LA's feeds (``@requires_index_team``
and the selectors' own check)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from childindex.records.models import Child
from childindex.sources import selectors, services
from childindex.sources.models import ImportRun, ReviewItem, RunStatus
from childindex.web.decorators import no_store, requires_index_team
from childindex.web.forms.sources import MergeForm, ReviewDecisionForm
from childindex.web.http import AuthenticatedRequest
from childindex.web.service_errors import add_to_form, first_message


@requires_index_team
@require_GET
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "sources/review_queue.html", {"queue": selectors.review_queue(actor=request.user)}
    )


@no_store
@requires_index_team
@require_http_methods(["GET", "POST"])
def review_item(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        view = selectors.review_item(actor=request.user, pk=pk)
    except ReviewItem.DoesNotExist as exc:
        raise Http404("No such review item in your LA.") from exc
    choices = [
        (str(c.child.pk), c.index_number)
        for c in view.candidates
        if not c.merged and not c.twin_rule
    ] + [(str(c.child.pk), c.index_number) for c in view.candidates if c.twin_rule]
    choices += [
        (f"row-{w.record.pk}", f"The same child as waiting record {w.record.key}")
        for w in view.waiting_rows
    ]
    form = ReviewDecisionForm(request.POST or None, candidates=choices)
    if request.method == "POST" and view.item.status == "open" and form.is_valid():
        child = record = None
        chosen = form.cleaned_data.get("child") or ""
        if chosen.startswith("row-"):
            record = next(w.record for w in view.waiting_rows if f"row-{w.record.pk}" == chosen)
        elif chosen:
            child = Child.objects.filter(pk=int(chosen)).first()
        try:
            services.review_decide(
                actor=request.user,
                item=view.item,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                child=child,
                record=record,
            )
        except (ValidationError, PermissionDenied) as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request, f"Decision recorded for {view.record.feed} record {view.record.key}."
            )
            return redirect("web:review-queue")
    return render(request, "sources/review_item.html", {"view": view, "form": form})


@requires_index_team
@require_GET
def feeds(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "sources/feeds.html",
        {
            "health": selectors.feed_health(actor=request.user),
            "runs": selectors.recent_runs(actor=request.user),
        },
    )


@requires_index_team
@require_GET
def import_run(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        view = selectors.import_run(actor=request.user, pk=pk)
    except ImportRun.DoesNotExist as exc:
        raise Http404("No such import in your LA.") from exc
    response = render(
        request,
        "sources/import_run.html",
        {"view": view, "running": view.run.status == RunStatus.RUNNING},
    )
    if view.run.status == RunStatus.RUNNING:
        response["Refresh"] = "5"  # progress without JavaScript
    return response


@requires_index_team
@require_http_methods(["GET", "POST"])
def merges(request: AuthenticatedRequest) -> HttpResponse:
    form = MergeForm(request.POST or None, prefix="merge")
    if request.method == "POST" and form.is_valid():
        try:
            kept = selectors.la_child(actor=request.user, index_number=form.cleaned_data["kept"])
            merged = selectors.la_child(
                actor=request.user, index_number=form.cleaned_data["merged"]
            )
        except Child.DoesNotExist:
            form.add_error(None, "Both index numbers must be records of your LA.")
        else:
            try:
                services.child_merge(
                    actor=request.user, kept=kept, merged=merged, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    f"Record {merged.formatted_index_number} merged into "
                    f"{kept.formatted_index_number}.",
                )
                return redirect("web:merges")
    return render(
        request,
        "sources/merges.html",
        {"form": form, "merges": selectors.merges(actor=request.user)},
    )


@requires_index_team
@require_POST
def unmerge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    merge = next(
        (m for m in selectors.merges(actor=request.user, limit=10_000) if m.pk == pk), None
    )
    if merge is None:
        raise Http404("No such merge in your LA.")
    try:
        services.child_unmerge(actor=request.user, merge=merge)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(
            request,
            f"Merge undone: {merge.merged.formatted_index_number} is a record of its own again.",
        )
    return redirect("web:merges")
