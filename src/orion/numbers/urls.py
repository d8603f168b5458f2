"""Staff pages. Ids travel in the query string or the POST body, so every URL here is an
object-less page that answers 404 to partners."""

from __future__ import annotations

from django.urls import path

from orion.numbers import e911_views, views

app_name = "numbers"
urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("number/", views.number_page, name="number"),
    path("number/action/", views.number_action, name="number_action"),
    path("backorders/", views.backorders, name="backorders"),
    path("backorders/fill/", views.backorder_fill, name="backorder_fill"),
    path("import/", views.imports, name="imports"),
    path("import/progress/", views.import_progress, name="import_progress"),
    # Not staff only: a number's E911 location, for its partner (another partner: 404).
    path("<int:pk>/e911/", e911_views.e911_edit, name="e911"),
]
