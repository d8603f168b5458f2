"""The staff audit page: who changed what and when, filtered and paged. Partners get 404
(``audit_entries`` refuses them; ``OrionErrorMiddleware`` renders the 404 page)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orion.accounts.http import AuthedRequest
from orion.audit.selectors import audit_change_lines, audit_entries, audit_filter_choices

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(required=False, label="Actor (user name)")
    action = forms.ChoiceField(required=False)
    object_type = forms.ChoiceField(required=False, label="Object type")
    object_id = forms.CharField(required=False, max_length=40, label="Object id")
    date_from = forms.DateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, choices: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor"]).choices = [("", "any")] + [
            (a, a) for a in choices["actors"]]
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", "any")] + [
            (a, a) for a in choices["actions"]]
        cast(forms.ChoiceField, self.fields["object_type"]).choices = [("", "any")] + [
            (t, t) for t in choices["object_types"]]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        for name in ("object_id",):
            if "\x00" in (cleaned.get(name) or ""):
                self.add_error(name, "Remove the control characters.")
        return cleaned


@require_GET
def audit_log(request: AuthedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, choices=audit_filter_choices(user=request.user))
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        else:
            status = 400
    entries = audit_entries(user=request.user, **filters).select_related("actor")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    shown = list(page.object_list)
    lines = audit_change_lines(shown)
    return render(request, "audit/log.html", {
        "form": form, "page": page,
        "entries": [(entry, lines[entry.pk]) for entry in shown],
        "query": query.urlencode()}, status=status)
