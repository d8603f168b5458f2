from __future__ import annotations

from django.urls import path

from orion.billing import views

app_name = "billing"
urlpatterns = [
    path("billing/customers/<int:pk>/preview/", views.invoice_preview, name="preview"),
    path("billing/orders/<int:pk>/billing-start-date/", views.billing_start_date,
         name="billing_start_date"),
    path("billing/export.csv", views.export_download, name="export"),
]
