"""The staff page that runs the BroadWorks import with the command's options, and its
progress bar (polled by htmx while the job runs, then the report). Thin: the service decides."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from orion.accounts.http import AuthedRequest
from orion.adoption import selectors, services
from orion.adoption.models import ImportRun
from orion.core.exceptions import NotFound


def _id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("No such import.")
    return int(value)


def _context(run: ImportRun) -> dict[str, object]:
    return {"run": run, "lines": services.report_lines(run.report)[:6] if run.report else [],
            "unmatched": run.report.get("unmatched", []) if run.report else [],
            "refused": run.report.get("refused", []) if run.report else []}


def import_page(request: AuthedRequest) -> HttpResponse:
    """Staff: choose the partner, the enterprises (empty: all) and dry run; POST queues it."""
    partners = selectors.import_partners(user=request.user)
    problem, problem_field = "", ""
    values: dict[str, object] = {"partner": "", "service_providers": "", "dry_run": True}
    if request.method == "POST":
        partner = request.POST.get("partner", "")
        values = {"partner": partner,
                  "service_providers": request.POST.get("service_providers", "")[:2000],
                  "dry_run": request.POST.get("dry_run") == "on"}
        try:
            run = services.import_run_start(
                user=request.user,
                partner_id=int(partner) if partner.isascii() and partner.isdigit()
                and len(partner) < 18 else None,
                service_providers=str(values["service_providers"]),
                dry_run=bool(values["dry_run"]))
        except services.ImportRefused as exc:
            problem, problem_field = exc.message, exc.field or ""
        else:
            return redirect(f"{reverse('adoption:import')}?id={run.pk}")
    current = None
    if request.GET.get("id"):
        current = selectors.import_run_get(user=request.user,
                                           run_id=_id(request.GET.get("id", "")))
    context = {"partners": partners, "values": values, "problem": problem,
               "problem_field": problem_field,
               "recent": selectors.import_runs_recent(user=request.user),
               "current": _context(current) if current else None}
    return render(request, "adoption/import.html", context, status=422 if problem else 200)


def import_progress(request: AuthedRequest) -> HttpResponse:
    run = selectors.import_run_get(user=request.user, run_id=_id(request.GET.get("id", "")))
    return render(request, "adoption/partials/progress.html", _context(run))


def drift_page(request: AuthedRequest) -> HttpResponse:
    """Staff: the BroadWorks drift page; POST accepts one difference (with a reason) or
    queues its re-provisioning."""
    from orion.adoption.drift import DriftRefused, drift_accept, drift_reprovision_start

    counts, entries = selectors.drift_open(user=request.user)
    problem, problem_entry = "", 0
    if request.method == "POST":
        entry_id = _id(request.POST.get("entry", ""))
        try:
            if request.POST.get("action") == "reprovision":
                drift_reprovision_start(user=request.user, entry_id=entry_id)
            else:
                drift_accept(user=request.user, entry_id=entry_id,
                             reason=request.POST.get("reason", "")[:400])
        except DriftRefused as exc:
            problem, problem_entry = exc.message, entry_id
        else:
            return redirect(reverse("adoption:drift"))
    return render(request, "adoption/drift.html",
                  {"counts": counts, "entries": entries, "problem": problem,
                   "problem_entry": problem_entry}, status=422 if problem else 200)


def order_accept_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff, from a failed order's page: accept BroadWorks' value for the drift entry the
    failure names, and retry the order. A refusal is shown next to the reason field."""
    from django.contrib import messages

    from orion.adoption.drift import DriftRefused, order_drift_accept_retry
    from orion.orders.selectors import order_get

    if not request.user.is_provider_staff:
        raise NotFound("No such order.")
    order = order_get(user=request.user, order_id=pk)
    problem, reason = "", ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:400]
        try:
            order_drift_accept_retry(user=request.user, order_id=order.pk, reason=reason)
        except DriftRefused as exc:
            problem = exc.message
        else:
            messages.success(request, "BroadWorks' value accepted; provisioning continues "
                             "from the failed step.")
            return redirect("orders:detail", pk=order.pk)
    entry = selectors.order_drift(user=request.user, order=order)
    return render(request, "adoption/order_accept.html",
                  {"order": order, "entry": entry, "problem": problem, "reason": reason},
                  status=422 if problem else 200)
