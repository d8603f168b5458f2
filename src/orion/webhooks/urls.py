from __future__ import annotations

from django.urls import path

from orion.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("account/webhooks/", views.endpoints, name="endpoints"),
    path("account/webhooks/<int:pk>/", views.endpoint, name="endpoint"),
    path("account/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("account/webhooks/<int:pk>/active/", views.endpoint_active, name="active"),
    path("account/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("account/webhooks/<int:pk>/ping/", views.endpoint_ping, name="ping"),
]
