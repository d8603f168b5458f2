from __future__ import annotations

from django.urls import path

from orion.provisioning import views

app_name = "provisioning"
urlpatterns = [
    path("orders/<int:pk>/progress/", views.progress, name="progress"),
    path("orders/<int:pk>/retry/", views.retry, name="retry"),
    path("orders/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("orders/<int:pk>/trunking-done/", views.trunking_done, name="trunking_done"),
    path("orders/<int:pk>/trunking-order-form.pdf", views.trunking_form, name="trunking_form"),
    path("orders/<int:pk>/trunk/", views.trunk, name="trunk"),
    path("orders/<int:pk>/oci-log/", views.oci_log, name="oci_log"),
]
