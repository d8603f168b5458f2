"""The API: one NinjaAPI at /api/v1 with its routers, auth and error handlers.

OpenAPI 3.1 is served at /api/openapi.json and the interactive docs at /api/docs (see
``orion.api.urls``).
"""

from __future__ import annotations

from ninja import NinjaAPI

from orion.api import errors
from orion.api.auth import API_AUTH
from orion.api.routers import (
    accounts,
    activation,
    billing,
    catalog,
    changes,
    disconnect,
    e911,
    numbers,
    orders,
    porting,
    tokens,
    trunk,
    users,
    webhooks,
)

api = NinjaAPI(
    title="Orion API",
    version="1",
    description=(
        "The partner portal's REST API: the same services, rules and permissions as the "
        "pages. Authenticate with a personal token (`Authorization: Bearer orn_…`, created "
        "at /account/tokens/) or, from the browser, the session with its CSRF token. "
        "Errors: `{code, message, errors}`."),
    auth=API_AUTH,
    urls_namespace="api",
    openapi_url=None,  # served by orion.api.urls at /api/openapi.json
    docs_url=None,
)
errors.install(api)

api.add_router("/", tokens.router)
api.add_router("/", accounts.router)
api.add_router("/", catalog.router)
api.add_router("/", orders.router)
api.add_router("/", activation.router)
api.add_router("/", changes.router)
api.add_router("/", disconnect.router)
api.add_router("/", trunk.router)
api.add_router("/", numbers.router)
api.add_router("/", e911.router)
api.add_router("/", users.router)
api.add_router("/", webhooks.router)
api.add_router("/", porting.router)
# The billing engineer fills orion.api.routers.billing.
api.add_router("/billing", billing.router)
