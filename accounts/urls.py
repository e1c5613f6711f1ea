"""The member's own pages, mounted under /accounts/ before allauth's."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
]
