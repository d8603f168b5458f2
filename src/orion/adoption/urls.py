from __future__ import annotations

from django.urls import path

from orion.adoption import views

app_name = "adoption"

urlpatterns = [
    path("broadworks/import/", views.import_page, name="import"),
    path("broadworks/import/progress/", views.import_progress, name="progress"),
    path("broadworks/drift/", views.drift_page, name="drift"),
    path("orders/<int:pk>/accept-drift/", views.order_accept_retry, name="order_accept"),
]
