from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import language_switch, leaderboard, member_page
from community.views import home, robots_txt, sitemap
from config.views import healthz
from ideas.brand_views import console
from ideas.views import roadmap

admin.site.site_header = _("Cluetrain administration")
admin.site.site_title = _("Cluetrain")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("ideas/", include("ideas.urls")),
    path("roadmap/", roadmap, name="roadmap"),
    path("u/<str:username>/", member_page, name="member"),
    path("leaderboard/", leaderboard, name="leaderboard"),
    path("manage/", include(([path("", console, name="console")], "manage"))),
    path("notifications/", include("notifications.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
