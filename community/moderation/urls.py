"""Members' reports, under the ideas' addresses (`ideas:flag`, `ideas:comment_flag`): the
site's URLconf (config/urls.py) serves them in the ideas' namespace."""

from django.urls import path

from community.moderation import views

urlpatterns = [
    path("<int:pk>/flag/", views.flag_idea, name="flag"),
    path("comments/<int:comment_pk>/flag/", views.flag_comment, name="comment_flag"),
]
