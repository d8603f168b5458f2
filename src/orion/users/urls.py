from __future__ import annotations

from django.urls import path

from orion.users import views

app_name = "users"
urlpatterns = [
    path("orders/<int:pk>/form/users/", views.order_users_section, name="order_users"),
    path("orders/<int:pk>/form/users/<int:user_pk>/", views.order_user_edit,
         name="order_user"),
    path("orders/<int:pk>/users.csv", views.order_users_csv, name="order_users_csv"),
    path("orders/<int:pk>/form/users/upload/", views.order_users_upload,
         name="order_users_upload"),
    path("customers/<int:pk>/users/check/", views.customer_users_check,
         name="customer_users_check"),
]
