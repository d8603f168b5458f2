from __future__ import annotations

from django.urls import path

from orion.provisioning import oci_views, views

app_name = "provisioning"
urlpatterns = [
    path("orders/<int:pk>/progress/", views.progress, name="progress"),
    path("orders/<int:pk>/retry/", views.retry, name="retry"),
    path("orders/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("orders/<int:pk>/rollback-retry/", views.rollback_retry, name="rollback_retry"),
    path("orders/<int:pk>/trunking-done/", views.trunking_done, name="trunking_done"),
    path("orders/<int:pk>/trunking-order-form.pdf", views.trunking_form, name="trunking_form"),
    path("orders/<int:pk>/trunk/", views.trunk, name="trunk"),
    path("orders/<int:pk>/oci-log/", oci_views.order_oci_log, name="oci_log"),
    path("oci-log/", oci_views.oci_log, name="oci_log_all"),
]
