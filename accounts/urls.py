"""The member's own pages, mounted under /accounts/ before allauth's."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("privacy/export/", views.privacy_export, name="privacy_export"),
    path("privacy/export/<str:token>/", views.export_download, name="privacy_export_download"),
    path("privacy/delete/", views.privacy_delete, name="privacy_delete"),
    # Before allauth's own 2fa/ pages, mounted after these.
    path("2fa/required/", views.mfa_required, name="mfa_required"),
]
