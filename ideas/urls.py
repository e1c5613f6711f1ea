from django.urls import path

from ideas import brand_views, feeds, media, views

app_name = "ideas"

urlpatterns = [
    path("", views.idea_list, name="list"),
    path("new/", views.idea_create, name="create"),
    path("similar/", views.similar, name="similar"),
    path("media/<path:name>", media.idea_media, name="media"),
    path("feed/", feeds.IdeasFeed(), name="feed"),
    path("feed/<str:kind>/<slug:slug>/", feeds.IdeasFeed(), name="feed_scoped"),
    path("comments/<int:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_pk>/delete/", views.comment_delete, name="comment_delete"),
    path("<int:pk>/", views.idea_redirect, name="short"),
    path("<int:pk>-<slug:slug>/", views.idea_detail, name="detail"),
    path("<int:pk>/edit/", views.idea_edit, name="edit"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/comments/", views.comment_create, name="comment"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/response/", brand_views.respond, name="respond"),
]
