"""The LA index team's pages: its LA's accounts (approve, suspend, re-activate, vetting and
training dates, two-factor reset), who lapses soon, and shielding. Only its own LA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from childindex.access import agreement, selectors, services, two_factor
from childindex.access.models import User
from childindex.records import elsewhere
from childindex.records import services as records_services
from childindex.records.models import AddressStatus, ChildAddress, TransferVia
from childindex.records.selectors import la_child_by_index_number, shielded_children
from childindex.sources import moves
from childindex.web.decorators import no_store, requires_index_team
from childindex.web.forms.account import (
    DeathForm,
    MoveForm,
    ShieldForm,
    TrainingForm,
    VettingForm,
)
from childindex.web.http import AuthenticatedRequest
from childindex.web.service_errors import add_to_form, first_message


def _account_or_404(request: AuthenticatedRequest, pk: int) -> User:
    try:
        return selectors.la_account(actor=request.user, pk=pk)
    except User.DoesNotExist as exc:
        raise Http404("No such account in your LA.") from exc


@requires_index_team
@require_GET
def accounts(request: AuthenticatedRequest) -> HttpResponse:
    statuses = selectors.la_account_statuses(actor=request.user)
    return render(
        request,
        "index_team/accounts.html",
        {
            "statuses": statuses,
            "lapsing": selectors.accounts_lapsing(actor=request.user),
            "lapsing_days": selectors.LAPSING_WITHIN_DAYS,
        },
    )


def _render_account(request: AuthenticatedRequest, account: User, **forms) -> HttpResponse:
    context = {
        "status": selectors.account_status(account),
        "vetting_form": forms.get("vetting_form") or VettingForm(prefix="vetting"),
        "training_form": forms.get("training_form") or TrainingForm(prefix="training"),
        "is_self": account.pk == request.user.pk,
        "agreements": agreement.history(account),
        "agreement_due": agreement.is_due(account),
        "agreement_version": agreement.VERSION,
    }
    return render(request, "index_team/account.html", context)


@requires_index_team
@require_GET
def account(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_account(request, _account_or_404(request, pk))


ACCOUNT_ACTIONS: dict[str, tuple[Callable[..., object], str]] = {
    "approve": (services.account_approve, "Account approved."),
    "suspend": (services.account_suspend, "Account suspended and signed out everywhere."),
    "reactivate": (services.account_reactivate, "Account re-activated."),
    "two-factor-reset": (
        services.account_two_factor_reset,
        "Two-factor authentication reset: they set it up again when they next sign in, "
        "with a new enrolment code from you.",
    ),
}


# Actions that take something away from someone are confirmed on a page of their own first
# (GOV.UK: "Are you sure…", saying what will happen), and done only by that page's button.
CONFIRM = {
    "suspend": (
        "Are you sure you want to suspend {name}?",
        [
            "They are signed out everywhere at once and cannot sign in.",
            "Their involvements stay on children's records.",
            "You or another member of your LA's index team can re-activate the account later.",
        ],
        "Yes, suspend the account",
    ),
    "two-factor-reset": (
        "Are you sure you want to reset two-factor authentication for {name}?",
        [
            "Their authenticator app and recovery codes stop working at once.",
            "They set two-factor authentication up again when they next sign in.",
            "Only do this if you have checked who they are, for example by calling them back.",
        ],
        "Yes, reset two-factor authentication",
    ),
}


@requires_index_team
@require_http_methods(["GET", "POST"])
def account_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACCOUNT_ACTIONS:
        raise Http404("No such action.")
    account = _account_or_404(request, pk)
    confirm = CONFIRM.get(action)
    if request.method == "GET" or (confirm and request.POST.get("confirmed") != "yes"):
        if confirm is None:
            return redirect("web:index-team-account", pk=account.pk)
        heading, consequences, button = confirm
        return render(
            request,
            "index_team/confirm.html",
            {
                "heading": heading.format(name=account.get_full_name() or account.username),
                "consequences": consequences,
                "button": button,
                "action_url": request.path,
                "cancel_url": reverse("web:index-team-account", args=[account.pk]),
            },
        )
    service, done = ACCOUNT_ACTIONS[action]
    try:
        service(actor=request.user, account=account)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, done)
    return redirect("web:index-team-account", pk=account.pk)


@no_store
@requires_index_team
@require_POST
def account_enrolment_code(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Issue a one-time enrolment code and show it this once (never stored, never again)."""
    account = _account_or_404(request, pk)
    try:
        code = services.enrolment_code_issue(actor=request.user, account=account)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, first_message(exc))
        return redirect("web:index-team-account", pk=account.pk)
    return render(
        request,
        "index_team/enrolment_code.html",
        {
            "account": account,
            "code": code,
            "expires_at": timezone.localtime()
            + dt.timedelta(hours=two_factor.ENROLMENT_CODE_HOURS),
        },
    )


@requires_index_team
@require_POST
def account_dates(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """Record the date of a DBS check (``vetting``) or of completed training (``training``)."""
    account = _account_or_404(request, pk)
    form: VettingForm | TrainingForm
    if kind == "vetting":
        form = VettingForm(request.POST, prefix="vetting")
    elif kind == "training":
        form = TrainingForm(request.POST, prefix="training")
    else:
        raise Http404("No such date.")
    if form.is_valid():
        try:
            if kind == "vetting":
                services.account_vetting_record(
                    actor=request.user, account=account, checked_on=form.cleaned_data["date"]
                )
            else:
                services.account_training_record(
                    actor=request.user, account=account, completed_on=form.cleaned_data["date"]
                )
        except ValidationError as exc:
            add_to_form(form, exc, field="day")  # inline at the date, and in the summary
        except PermissionDenied as exc:
            messages.error(request, first_message(exc))
            return redirect("web:index-team-account", pk=account.pk)
        else:
            messages.success(request, f"{form.date_label} recorded.")
            return redirect("web:index-team-account", pk=account.pk)
    return _render_account(request, account, **{f"{kind}_form": form})


@requires_index_team
@require_http_methods(["GET", "POST"])
def shielding(request: AuthenticatedRequest) -> HttpResponse:
    """Shielded records of this LA, soonest review first, and a form to shield one."""
    form = ShieldForm(request.POST or None, prefix="shield")
    if request.method == "POST" and form.is_valid():
        child = la_child_by_index_number(
            actor=request.user, index_number=form.cleaned_data["index_number"]
        )
        if child is None:
            form.add_error("index_number", "There is no record with that index number in your LA.")
        else:
            try:
                records_services.shield_set(
                    actor=request.user, child=child, review_on=form.cleaned_data["date"]
                )
            except (ValidationError, PermissionDenied) as exc:
                add_to_form(form, exc, field="day")  # inline at the date, and in the summary
            else:
                messages.success(request, f"Record {child.formatted_index_number} is shielded.")
                return redirect("web:index-team-shielding")
    return render(
        request,
        "index_team/shielding.html",
        {"form": form, "children": shielded_children(actor=request.user)},
    )


@requires_index_team
@require_http_methods(["GET", "POST"])
def shield_remove(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    """Removing a shield is confirmed first: it shows the child's address and services again."""
    child = la_child_by_index_number(actor=request.user, index_number=index_number)
    if child is None:
        raise Http404("No such record in your LA.")
    if request.method == "GET" or request.POST.get("confirmed") != "yes":
        return render(
            request,
            "index_team/confirm.html",
            {
                "heading": (
                    f"Are you sure you want to remove the shield from record "
                    f"{child.formatted_index_number}?"
                ),
                "consequences": [
                    "Every practitioner who can find the child sees their address, "
                    "identifiers and the services involved again.",
                    "The child can be found by address again.",
                    "Only remove a shield when the reason for it has ended.",
                ],
                "button": "Yes, remove the shield",
                "action_url": request.path,
                "cancel_url": reverse("web:index-team-shielding"),
            },
        )
    try:
        records_services.shield_remove(actor=request.user, child=child)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(
            request, f"The shield on record {child.formatted_index_number} is removed."
        )
    return redirect("web:index-team-shielding")


@requires_index_team
@require_GET
def children_elsewhere(request: AuthenticatedRequest) -> HttpResponse:
    """Children the LA's services work with who live elsewhere, and its children served from
    elsewhere."""
    return render(
        request,
        "index_team/children_elsewhere.html",
        {"lists": elsewhere.children_elsewhere(actor=request.user)},
    )


@requires_index_team
@require_http_methods(["GET", "POST"])
def record_move(request: AuthenticatedRequest) -> HttpResponse:
    """The index team records a child's new address; an address in another LA transfers the
    child there (both index teams and the team around the child are told)."""
    form = MoveForm(request.POST or None, prefix="move")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = la_child_by_index_number(actor=request.user, index_number=data["index_number"])
        if child is None:
            form.add_error("index_number", "There is no record with that index number in your LA.")
        else:
            try:
                result = moves.child_move(
                    actor=request.user,
                    child=child,
                    address=ChildAddress(
                        status=AddressStatus.KNOWN,
                        line_1=data["line_1"],
                        line_2=data["line_2"],
                        town=data["town"],
                        postcode=data["postcode"],
                    ),
                    moved_on=data["date"],
                    via=TransferVia.INDEX_TEAM,
                )
            except moves.MoveError as exc:
                form.add_error(None, str(exc))
            except (ValidationError, PermissionDenied) as exc:
                add_to_form(form, exc)
            else:
                if result.transfer is not None:
                    messages.success(
                        request,
                        f"Record {child.formatted_index_number} moved to "
                        f"{result.transfer.to_la.name}: its index team now maintains it.",
                    )
                else:
                    messages.success(
                        request, f"Record {child.formatted_index_number}: address changed."
                    )
                return redirect("web:index-team-move")
    return render(request, "index_team/move.html", {"form": form})


@requires_index_team
@require_http_methods(["GET", "POST"])
def record_death(request: AuthenticatedRequest) -> HttpResponse:
    """The index team records a death and its source; the record stays live a year."""
    form = DeathForm(request.POST or None, prefix="death")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = la_child_by_index_number(actor=request.user, index_number=data["index_number"])
        if child is None:
            form.add_error("index_number", "There is no record with that index number in your LA.")
        else:
            try:
                records_services.child_death_record(
                    actor=request.user,
                    child=child,
                    date_of_death=data["date"],
                    source=data["source"],
                )
            except (ValidationError, PermissionDenied) as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    f"Death recorded for record {child.formatted_index_number}. The record "
                    "stays live for a year from the date of death, then is archived.",
                )
                return redirect("web:index-team-death")
    return render(request, "index_team/death.html", {"form": form})
