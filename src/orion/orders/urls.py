from __future__ import annotations

from django.urls import include, path

from orion.orders import change_views, disconnect_views, form_views, views
from orion.orders.activation_views import mark_live

app_name = "orders"
urlpatterns = [
    path("orders/", views.orders_index, name="list"),
    path("orders/new-enterprise/", views.start_enterprise, name="start_enterprise"),
    path("enterprises/<int:pk>/add-package-forms/", form_views.start_customer_in_enterprise,
         name="start_customer_in_enterprise"),
    path("customers/<int:pk>/add-package-forms/", form_views.start_add_services,
         name="start_add_services"),
    path("customers/<int:pk>/change-services/", change_views.start_change,
         name="start_change"),
    path("orders/<int:pk>/change/cancel/", change_views.change_cancel, name="change_cancel"),
    path("orders/<int:pk>/form/removals/", change_views.removals_set, name="change_removals"),
    path("customers/<int:pk>/disconnect/", disconnect_views.disconnect_form, name="disconnect"),
    path("orders/<int:pk>/disconnect/cancel/", disconnect_views.disconnect_cancel,
         name="disconnect_cancel"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/form/", views.order_form, name="form"),
    path("orders/<int:pk>/billing-start-date/", views.billing_start_date,
         name="billing_start_date"),
    path("orders/<int:pk>/mark-live/", mark_live, name="mark_live"),
    path("orders/<int:pk>/form/packages/", views.package_picker, name="package_picker"),
    path("orders/<int:pk>/form/lines/", views.lines_add, name="lines_add"),
    path("orders/<int:pk>/form/lines/<int:line_pk>/quantity/", views.line_quantity,
         name="line_quantity"),
    path("orders/<int:pk>/form/lines/<int:line_pk>/remove/", views.line_remove,
         name="line_remove"),
    path("orders/<int:pk>/form/autosave/", form_views.draft_autosave, name="draft_autosave"),
    path("orders/<int:pk>/discard/", form_views.draft_discard, name="draft_discard"),
    path("orders/<int:pk>/form/dids/renew/", form_views.dids_renew, name="dids_renew"),
    path("orders/<int:pk>/form/dids/select/", views.did_picker, name="did_picker"),
    path("orders/<int:pk>/form/dids/search/", views.did_search, name="did_search"),
    path("orders/<int:pk>/form/dids/", views.dids_order, name="dids_order"),
    path("orders/<int:pk>/form/dids/remove/", views.did_remove, name="did_remove"),
    path("orders/<int:pk>/form/backorders/remove/", views.backorder_remove,
         name="backorder_remove"),
    # Staff DID inventory and backorder queue (namespace orders:numbers until the root URLconf
    # includes orion.numbers.urls itself).
    path("numbers/", include("orion.numbers.urls")),
]
