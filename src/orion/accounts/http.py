"""The request a page view receives, typed: a logged-in Orion user and the htmx details.

``LoginRequiredMiddleware`` turns every anonymous request away before a view runs (views
marked ``login_not_required`` take a plain ``HttpRequest``), and django-htmx's middleware adds
``request.htmx``. Annotating a view's ``request`` as ``AuthedRequest`` says so to the type
checker; at run time it is the same ``HttpRequest``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from orion.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
