from __future__ import annotations

from django.urls import path

from orion.porting import views

app_name = "porting"

urlpatterns = [
    path("ports/", views.ports, name="list"),
    path("ports/new/", views.port_new, name="new"),
    path("ports/<int:pk>/", views.port_detail, name="detail"),
    path("ports/<int:pk>/edit/", views.port_edit, name="edit"),
    path("ports/<int:pk>/move/", views.port_move, name="move"),
    path("ports/<int:pk>/comments/", views.port_comment, name="comment"),
    path("ports/<int:pk>/number-user/", views.port_number_user, name="number_user"),
    path("ports/<int:pk>/loa.pdf", views.port_loa, name="loa"),
    path("ports/<int:pk>/loa/", views.port_loa_upload, name="loa_upload"),
    path("ports/<int:pk>/loa/signed/", views.port_loa_signed, name="loa_signed"),
]
