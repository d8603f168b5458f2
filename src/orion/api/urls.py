"""URLs of the API (/api/v1/…, /api/openapi.json, /api/docs) and the API tokens page.

The API authenticates every request itself (token or session, see ``orion.api.auth``), so its
views are exempt from LoginRequiredMiddleware: an API client gets a JSON 401, not a redirect
to the log-in page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from orion.api import views
from orion.api.main import api


class _Docs(Swagger):
    def get_openapi_url(self, api: NinjaAPI, path_params: dict[str, Any]) -> str:
        return "/api/openapi.json"


_docs = _Docs()


@login_not_required
def openapi_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(api.get_openapi_schema())


@login_not_required
def docs(request: HttpRequest) -> HttpResponse:
    return _docs.render_page(request, api)


def _exempt(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _exempt(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback.login_required = False  # type: ignore[attr-defined]  # read by LoginRequiredMiddleware
    return patterns


_api_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("api/v1/", include((_exempt(_api_patterns), _app_name), namespace=_namespace)),
    path("api/openapi.json", openapi_json, name="api-openapi"),
    path("api/docs", docs, name="api-docs"),
    path("account/tokens/", views.tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
