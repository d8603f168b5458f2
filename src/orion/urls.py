from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from orion.accounts import views as account_views
from orion.dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("search/", account_views.search, name="search"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", account_views.ThrottledPasswordResetView.as_view(),
         name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("", include("orion.orders.urls")),
    path("", include("orion.provisioning.urls")),
    path("", include("orion.billing.urls")),
    path("", include("orion.users.urls")),
    path("accounts/", account_views.account_index, name="accounts"),
    path("enterprises/<int:pk>/", account_views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/<slug:tab>/", account_views.enterprise_detail,
         name="enterprise_tab"),
    path("customers/<int:pk>/", account_views.customer_detail, name="customer"),
    path("customers/<int:pk>/<slug:tab>/", account_views.customer_detail, name="customer_tab"),
    path("audit/", include("orion.audit.urls")),
    path("", include("orion.api.urls")),
    path("", include("orion.webhooks.urls")),
    path("", include("orion.porting.urls")),
    path("", include("orion.adoption.urls")),
    path("admin/", admin.site.urls),
]
