"""The API tokens page: list, create (the secret shown once), revoke. Thin: calls services.

The page lists token prefixes and, once, a secret: no browser or proxy may keep a copy
(``Cache-Control: no-store``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from orion.accounts.http import AuthedRequest
from orion.api import services
from orion.api.models import ApiToken
from orion.core.exceptions import OrionError


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80,
                           help_text="What the token is for, e.g. 'billing sync'.")
    expires_at = forms.DateTimeField(
        label="Expires", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional. Empty: until revoked.")


@never_cache
def tokens(request: AuthedRequest) -> HttpResponse:
    """GET lists the user's tokens; POST creates one and shows its secret this once."""
    created = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                created = services.token_create(user=request.user,
                                                name=form.cleaned_data["name"],
                                                expires_at=form.cleaned_data["expires_at"])
            except OrionError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    else:
        form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "created": created,
        "tokens": ApiToken.objects.visible_to(request.user)[:100],
    }, status=status)


@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = services.token_revoke(user=request.user, token_id=pk)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("api_tokens")
