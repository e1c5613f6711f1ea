from allauth.account.views import logout as allauth_logout
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.views import admin_login, language_switch, leaderboard, member_page
from community.moderation import urls as report_urls
from community.views import design, home, robots_txt, sitemap
from config.theme import theme_stylesheet_view
from config.views import csp_report, healthz
from ideas import urls as ideas_urls
from ideas.brand_views import console
from ideas.views import roadmap

admin.site.site_header = _("Cluetrain administration")
admin.site.site_title = _("Cluetrain")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("theme.css", theme_stylesheet_view, name="theme_css"),
    path("csp-report/", csp_report, name="csp_report"),
    path("ideas/", include((ideas_urls.urlpatterns + report_urls.urlpatterns, "ideas"))),
    path("api/v1/", include("api.urls")),
    path("roadmap/", roadmap, name="roadmap"),
    path("u/<str:username>/", member_page, name="member"),
    path("leaderboard/", leaderboard, name="leaderboard"),
    path("manage/", include(([path("", console, name="console")], "manage"))),
    path("notifications/", include("notifications.urls")),
    path("design/", design, name="design"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    # Staff sign in and out through allauth, like everyone: one set of rate limits,
    # lock-outs and second factor (accounts.mfa), whichever URL they use.
    path("admin/login/", admin_login),
    path("admin/logout/", allauth_logout),
    # The admin's own password form has neither allauth's rate limit nor its checks.
    path("admin/password_change/", RedirectView.as_view(pattern_name="account_change_password")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
