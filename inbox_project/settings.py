"""One settings file, driven by the environment (see .env.example for every variable)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env", override=False)  # optional; real environment variables win


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
# Fernet key used only when DEBUG is on and CREDENTIAL_KEYS is unset (urlsafe base64, 32 bytes).
DEVELOPMENT_CREDENTIAL_KEY = "ZGV2LW9ubHktY3JlZGVudGlhbC1rZXktMzItYnl0ZXM="

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# Fernet keys for credentials at rest, newest first; older keys still decrypt (rotation).
CREDENTIAL_KEYS = env_list("CREDENTIAL_KEYS") or ([DEVELOPMENT_CREDENTIAL_KEY] if DEBUG else [])

if not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off."
        )
    if not CREDENTIAL_KEYS or DEVELOPMENT_CREDENTIAL_KEY in CREDENTIAL_KEYS:
        raise ImproperlyConfigured(
            "CREDENTIAL_KEYS must hold at least one Fernet key of your own when DJANGO_DEBUG is off."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL, used in invitation e-mails and webhook addresses shown to admins (`make run`
# sets it to the address it serves; production must set it).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Origins (scheme://host[:port]) browsers may open the inbox socket from (inbox_project/ws_origin.py).
SITE_ORIGINS = env_list("SITE_ORIGINS") or [SITE_URL]
WS_ALLOW_LOOPBACK_ORIGINS = env_bool("WS_ALLOW_LOOPBACK_ORIGINS", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "template_partials",
    "accounts",
    "channels_app",
    "conversations",
    "routing",
    "automation",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "inbox_project.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.TenancyMiddleware",
]

# The development tooling (devtools/: demo seed, Graph API stand-in, simulator, bench endpoint)
# is installed and routed only when DJANGO_DEVTOOLS is on, by default when DEBUG is; production
# (DJANGO_DEBUG=0) neither installs nor routes anything of it. devtools.urls is web.urls plus
# the development-only routes.
DEVTOOLS = env_bool("DJANGO_DEVTOOLS", DEBUG)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

ROOT_URLCONF = "devtools.urls" if DEVTOOLS else "web.urls"
ASGI_APPLICATION = "web.asgi.application"
WSGI_APPLICATION = None

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
                "accounts.context_processors.workspace",
                "channels_app.context_processors.reconnect_notice",
            ],
        },
    },
]

# --- data stores ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/inbox")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0"))
    )
}
# Parallel query workers are processes PostgreSQL forks per query: for the inbox's short,
# LIMITed queries they add latency instead of saving it (bench/inbox.py on 2 cores: the "last
# 7 days" list p95 went from 1.48x to 1.07x the small workspace's with them off). Reports
# that scan a lot may raise it on their own connection.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    "-c max_parallel_workers_per_gather=" + os.environ.get("DB_PARALLEL_WORKERS_PER_GATHER", "0")
)
if os.environ.get("TEST_DATABASE_NAME"):  # lets parallel test runs share one server
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
# Reports read from a replica when one is given (reports/routers.py); in tests the replica
# is the primary itself.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPORTS_READ_DATABASE = "replica" if "replica" in DATABASES else "default"
DATABASE_ROUTERS = ["reports.routers.ReportsReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The public holidays a workspace that closes on them observes (the holidays library's code).
HOLIDAYS_COUNTRY = "VN"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CHANNEL_LAYERS = {
    "default": {
        # Measured ~5x lower group fan-out latency than RedisChannelLayer on this stack.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "inbox")},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "inbox"),
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# --- automation -----------------------------------------------------------------------------
# Where phone capture and rules run on a customer's message: "commit" (after the commit, in
# the process that recorded it), "queue" (the `automation` queue) or "off" (not at all: the
# bench's baseline). docs/automation.md has the measurement behind the default.
AUTOMATION_RUN = os.environ.get("AUTOMATION_RUN", "commit")
if AUTOMATION_RUN not in ("commit", "queue", "off"):
    raise ImproperlyConfigured("AUTOMATION_RUN must be 'commit', 'queue' or 'off'")
# Follow-up steps are deadlines on their rows, swept this often (a step due at T goes out by
# T + this + the sweep's own time).
AUTOMATION_FOLLOWUP_SWEEP_SECONDS = 30.0
CELERY_BEAT_SCHEDULE["automation-followups-due"] = {
    "task": "automation.tasks.followups_due_sweep_task",
    "schedule": AUTOMATION_FOLLOWUP_SWEEP_SECONDS,
    "options": {"expires": AUTOMATION_FOLLOWUP_SWEEP_SECONDS},  # a late sweep is replaced
}
# Timed rules (customer silent, no agent reply) are deadlines on their rows too.
AUTOMATION_TIMER_SWEEP_SECONDS = 30.0
CELERY_BEAT_SCHEDULE["automation-timers-due"] = {
    "task": "automation.tasks.timers_due_sweep_task",
    "schedule": AUTOMATION_TIMER_SWEEP_SECONDS,
    "options": {"expires": AUTOMATION_TIMER_SWEEP_SECONDS},
}
# Comments hidden for a phone number are shown again at a deadline on their row.
CELERY_BEAT_SCHEDULE["automation-comment-unhides-due"] = {
    "task": "automation.tasks.comment_unhides_due_sweep_task",
    "schedule": 300.0,
    "options": {"expires": 300.0},
}

# --- routing sweeps -------------------------------------------------------------------------
# Anti-steal deadlines live on the rows and are swept here; never a long countdown/ETA.
ROUTING_SWEEP_SECONDS = 5.0  # a deadline at T is released by T + this + the sweep's own time
CELERY_BEAT_SCHEDULE.update(
    {
        "routing-release-due": {
            "task": "routing.tasks.release_due_sweep_task",
            "schedule": ROUTING_SWEEP_SECONDS,
            "options": {"expires": ROUTING_SWEEP_SECONDS},  # a late sweep is replaced, not queued
        },
        "routing-assign-waiting": {
            "task": "routing.tasks.assign_waiting_sweep_task",
            "schedule": 2 * ROUTING_SWEEP_SECONDS,
            "options": {"expires": 2 * ROUTING_SWEEP_SECONDS},
        },
    }
)
# --- end routing sweeps ------------------------------------------------------------------------

# --- auth, sessions, security -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Webhook bodies are read raw; anything larger is refused with 413 (see channels_app).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024))

# --- mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Inbox <no-reply@localhost>")

# --- language, time ---------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"  # default display zone; each workspace has its own
DEFAULT_WORKSPACE_TIME_ZONE = "Asia/Ho_Chi_Minh"

# --- static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"
# Production behind deploy/nginx.conf: /media/ answers with `X-Accel-Redirect: <prefix><name>`
# after the membership check, and nginx sends the file from this `internal` location. Empty
# (development, tests): the view streams the file itself.
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Meta (Facebook Messenger, page comments, Instagram) — channels_app ---------------------
# The (first) Meta app: its secret signs its webhooks, the verify token answers the
# subscription handshake of every app. With DEBUG on, development values let the simulator and the
# provider stand-in work out of the box.
META_APP_ID = os.environ.get("META_APP_ID", "100000000000001" if DEBUG else "")
META_APP_SECRET = os.environ.get("META_APP_SECRET", "dev-meta-app-secret" if DEBUG else "")
# More Meta apps, `id:secret` items (channels_app/provider_apps.py). A channel records the app
# it was connected under; a webhook signed by one app's secret reaches only that app's channels.
META_APPS = env_list("META_APPS")
META_VERIFY_TOKEN = os.environ.get("META_VERIFY_TOKEN", "dev-meta-verify-token" if DEBUG else "")
# Graph API base (no trailing slash); `make run` points it at the local provider stand-in.
META_GRAPH_URL = os.environ.get("META_GRAPH_URL", "https://graph.facebook.com/v23.0").rstrip("/")
META_HTTP_TIMEOUT = float(os.environ.get("META_HTTP_TIMEOUT", "10"))
# Facebook Login's consent dialog (`make run` points it at the stand-in) and the permissions
# asked for: the Pages' list, messages and comments, and their Instagram accounts'.
META_LOGIN_URL = os.environ.get("META_LOGIN_URL", "https://www.facebook.com/v23.0/dialog/oauth")
META_LOGIN_SCOPES = env_list(
    "META_LOGIN_SCOPES",
    "pages_show_list,pages_messaging,pages_manage_metadata,pages_read_engagement,"
    "pages_manage_engagement,business_management,instagram_basic,instagram_manage_messages,"
    "instagram_manage_comments",
)
# A private reply's Send API answer names the commenter's Messenger id (docs/providers.md,
# unverified): link it to the commenter's customer. Off if Meta ever answers otherwise.
META_LINK_PRIVATE_REPLY_RECIPIENT = env_bool("META_LINK_PRIVATE_REPLY_RECIPIENT", True)
# --- Shopee Open Platform (seller chat) — channels_app/providers/shopee -----------------------
# The partner app the deployment is registered as: its key signs every API call and (unless a
# separate push key is issued) every push. Facts and defaults: docs/providers.md, "Shopee".
SHOPEE_PARTNER_ID = os.environ.get("SHOPEE_PARTNER_ID", "2000001" if DEBUG else "")
SHOPEE_PARTNER_KEY = os.environ.get("SHOPEE_PARTNER_KEY", "dev-shopee-partner-key" if DEBUG else "")
SHOPEE_PUSH_PARTNER_KEY = os.environ.get("SHOPEE_PUSH_PARTNER_KEY", "")
# API host (no trailing slash); `make run` points it at the local stand-in.
SHOPEE_API_URL = os.environ.get("SHOPEE_API_URL", "https://partner.shopeemobile.com").rstrip("/")
SHOPEE_HTTP_TIMEOUT = float(os.environ.get("SHOPEE_HTTP_TIMEOUT", "10"))
# The one push address /webhooks/shopee/<SHOPEE_PUSH_KEY>/ (a UUID; default derived from the
# partner id) and the callback URL exactly as registered in the console (default SITE_URL + it).
SHOPEE_PUSH_KEY = os.environ.get("SHOPEE_PUSH_KEY", "")
SHOPEE_PUSH_CALLBACK_URL = os.environ.get("SHOPEE_PUSH_CALLBACK_URL", "")
SHOPEE_FETCH_PUSHED_MESSAGES = env_bool("SHOPEE_FETCH_PUSHED_MESSAGES", True)
SHOPEE_MAX_TEXT_LENGTH = int(os.environ.get("SHOPEE_MAX_TEXT_LENGTH", "1000"))
SHOPEE_REFRESH_MARGIN_SECONDS = float(os.environ.get("SHOPEE_REFRESH_MARGIN_SECONDS", "1800"))
# Lost pushes (not acknowledged within Shopee's retries) are read back and stored this often.
SHOPEE_LOST_PUSH_SECONDS = float(os.environ.get("SHOPEE_LOST_PUSH_SECONDS", "300"))
CELERY_BEAT_SCHEDULE["webhook-lost-events-backfill"] = {
    "task": "channels_app.tasks.webhook_lost_events_backfill_task",
    "schedule": SHOPEE_LOST_PUSH_SECONDS,
    "options": {"expires": SHOPEE_LOST_PUSH_SECONDS},
}
# Webhook bodies above this size are refused with 413 before anything is stored.
WEBHOOK_MAX_BODY_BYTES = int(os.environ.get("WEBHOOK_MAX_BODY_BYTES", 1024 * 1024))
# Each web process remembers which channel account a webhook address names for this long: a
# deactivated or re-keyed account is refused by the other processes within these seconds.
WEBHOOK_ACCOUNT_CACHE_SECONDS = float(os.environ.get("WEBHOOK_ACCOUNT_CACHE_SECONDS", "5"))
# Pending webhook events older than this are re-queued by the sweeper (Redis/worker outages).
WEBHOOK_SWEEP_AFTER_SECONDS = int(os.environ.get("WEBHOOK_SWEEP_AFTER_SECONDS", "15"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "5"))
# Stored events are processed by drain tasks, one per shard (event id modulo INGEST_SHARDS):
# at most this many ingest tasks work in parallel. Keep it >= the ingest workers' concurrency.
INGEST_SHARDS = int(os.environ.get("INGEST_SHARDS", "4"))
INGEST_WAKE_TTL_SECONDS = int(os.environ.get("INGEST_WAKE_TTL_SECONDS", "10"))
# Outbound delivery: transient provider errors retry with backoff up to this many attempts.
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "5"))
DELIVERY_SWEEP_AFTER_SECONDS = int(os.environ.get("DELIVERY_SWEEP_AFTER_SECONDS", "120"))
# A reply still pending this long after it was queued is failed by the sweeper ("Send again").
DELIVERY_GIVE_UP_SECONDS = int(os.environ.get("DELIVERY_GIVE_UP_SECONDS", "600"))
CELERY_BEAT_SCHEDULE["webhook-event-sweep"] = {
    "task": "channels_app.tasks.webhook_event_sweep_task",
    "schedule": 5.0,
    "options": {"expires": 5.0},  # a late sweep is replaced, not queued behind the next
}
CELERY_BEAT_SCHEDULE["message-deliver-sweep"] = {
    "task": "channels_app.tasks.message_deliver_sweep_task",
    "schedule": 30.0,
    "options": {"expires": 30.0},
}
# A webhook is acknowledged within milliseconds even while Redis is down (the row is committed;
# the sweeper queues it later): publishing gives up after one quick retry instead of kombu's
# default ~6 s of reconnect attempts.
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
)
# --- end Meta ---------------------------------------------------------------------------------

# --- customer profiles, media copies, webhook subscription health (channels_app) ---------------
# Profile lookups (names and pictures of new contacts): transient errors retry with backoff up
# to this many attempts; beat queues nameless contacts in batches of PROFILE_BACKFILL_BATCH.
PROFILE_FETCH_MAX_ATTEMPTS = int(os.environ.get("PROFILE_FETCH_MAX_ATTEMPTS", "5"))
PROFILE_BACKFILL_BATCH = int(os.environ.get("PROFILE_BACKFILL_BATCH", "50"))
PROFILE_BACKFILL_SECONDS = float(os.environ.get("PROFILE_BACKFILL_SECONDS", "600"))
# Inbound attachments are copied from the provider's expiring CDN links into default storage.
MEDIA_DOWNLOAD_MAX_BYTES = int(os.environ.get("MEDIA_DOWNLOAD_MAX_BYTES", 25 * 1024 * 1024))
MEDIA_DOWNLOAD_TIMEOUT = float(os.environ.get("MEDIA_DOWNLOAD_TIMEOUT", "60"))
MEDIA_DOWNLOAD_MAX_ATTEMPTS = int(os.environ.get("MEDIA_DOWNLOAD_MAX_ATTEMPTS", "4"))
# Hosts (and their subdomains) media and profile pictures are fetched from: Meta's CDNs; in
# development also the local provider stand-in. Anything else is refused, redirects included.
MEDIA_DOWNLOAD_HOSTS = env_list(
    "MEDIA_DOWNLOAD_HOSTS",
    "fbcdn.net,fbsbx.com,cdninstagram.com,facebook.com,instagram.com"
    + (",127.0.0.1,localhost" if DEBUG else ""),
)
# Content types kept ("image/" = the family), checked against what the bytes are (magic bytes,
# conversations/files.py), not only the header. HTML, XML, SVG and script are always refused.
MEDIA_ALLOWED_CONTENT_TYPES = env_list(
    "MEDIA_ALLOWED_CONTENT_TYPES",
    "image/,video/,audio/,application/pdf,application/zip,application/msword,"
    "application/vnd.ms-excel,application/vnd.ms-powerpoint,"
    "application/vnd.openxmlformats-officedocument.,text/plain,text/csv,application/octet-stream",
)
# Webhook subscription health: every META_SUBSCRIPTION_CHECK_SECONDS each active Facebook /
# Instagram channel's Page is checked (GET /{page}/subscribed_apps) and subscribed again with
# these fields when our app is missing (Instagram: the linked Page, any field will do).
META_SUBSCRIPTION_CHECK_SECONDS = float(os.environ.get("META_SUBSCRIPTION_CHECK_SECONDS", "900"))
META_PAGE_SUBSCRIBED_FIELDS = env_list(
    "META_PAGE_SUBSCRIBED_FIELDS",
    "messages,messaging_postbacks,message_echoes,message_reads,message_deliveries,feed",
)
META_INSTAGRAM_PAGE_SUBSCRIBED_FIELDS = env_list("META_INSTAGRAM_PAGE_SUBSCRIBED_FIELDS", "feed")
CELERY_BEAT_SCHEDULE["contact-profiles-backfill"] = {
    "task": "channels_app.tasks.contact_profiles_backfill_task",
    "schedule": PROFILE_BACKFILL_SECONDS,
    "options": {"expires": PROFILE_BACKFILL_SECONDS},
}
CELERY_BEAT_SCHEDULE["channel-subscriptions-check"] = {
    "task": "channels_app.tasks.channel_subscriptions_check_task",
    "schedule": META_SUBSCRIPTION_CHECK_SECONDS,
    "options": {"expires": META_SUBSCRIPTION_CHECK_SECONDS},
}
# --- end profiles, media, subscriptions ---------------------------------------------------------

# --- Zalo Official Account — channels_app/providers/zalo ------------------------------------
# One Zalo app for the deployment: every OA links to it through OAuth v4 (PKCE) and its
# webhook posts every OA's events to /webhooks/zalo/ (routed by the OA id in the body). The
# webhook is signed with the OA Secret Key of the app's webhook page, which is not the App
# Secret. Facts and their certainty: docs/providers.md ("Zalo OA facts").
ZALO_APP_ID = os.environ.get("ZALO_APP_ID", "2000000000000000001" if DEBUG else "")
ZALO_APP_SECRET = os.environ.get("ZALO_APP_SECRET", "dev-zalo-app-secret" if DEBUG else "")
ZALO_OA_SECRET_KEY = os.environ.get("ZALO_OA_SECRET_KEY", "dev-zalo-oa-secret" if DEBUG else "")
# API bases (no trailing slash); `make run` points both at the local provider stand-in.
ZALO_API_URL = os.environ.get("ZALO_API_URL", "https://openapi.zalo.me").rstrip("/")
ZALO_OAUTH_URL = os.environ.get("ZALO_OAUTH_URL", "https://oauth.zaloapp.com/v4").rstrip("/")
ZALO_HTTP_TIMEOUT = float(os.environ.get("ZALO_HTTP_TIMEOUT", "10"))
# Unverified rules (docs/providers.md), overridable per OA in ChannelAccount.settings:
# free replies after a user message (`free_replies`) within the window (`reply_window_hours`).
ZALO_FREE_REPLIES = int(os.environ.get("ZALO_FREE_REPLIES", "8"))
# Error codes Zalo answers for an exhausted message quota and for rate limiting (assumed).
ZALO_QUOTA_ERROR_CODES = env_list("ZALO_QUOTA_ERROR_CODES", "-211,-212")
ZALO_RATE_LIMIT_ERROR_CODES = env_list("ZALO_RATE_LIMIT_ERROR_CODES", "-32")

# --- credential refresh (every provider whose tokens expire: Zalo, Shopee) ---------------------
# Beat refreshes accounts whose access expires within the margin, every interval.
CREDENTIAL_REFRESH_MARGIN_SECONDS = int(os.environ.get("CREDENTIAL_REFRESH_MARGIN_SECONDS", "3600"))
CREDENTIAL_REFRESH_SECONDS = float(os.environ.get("CREDENTIAL_REFRESH_SECONDS", "300"))
CELERY_BEAT_SCHEDULE["channel-credentials-refresh"] = {
    "task": "channels_app.tasks.channel_credentials_refresh_due_task",
    "schedule": CREDENTIAL_REFRESH_SECONDS,
    "options": {"expires": CREDENTIAL_REFRESH_SECONDS},
}
# --- end Zalo, credential refresh ---------------------------------------------------------------

# --- login throttling (django-axes; accounts/login_throttle.py) --------------------------------
# A few failures lock the account, more from one address lock the address; the right password
# is refused while locked. Failures older than the cool-off stop counting.
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_LOCKOUT_ACCOUNT_FAILURES = int(os.environ.get("LOGIN_LOCKOUT_ACCOUNT_FAILURES", "5"))
LOGIN_LOCKOUT_IP_FAILURES = int(os.environ.get("LOGIN_LOCKOUT_IP_FAILURES", "30"))
AXES_HANDLER = "accounts.login_throttle.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = 1  # the handler reports the share of the nearest limit used up
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.login_throttle.username_from_credentials"
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.login_throttle.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 60 * 60))  # link lifetime, s

# --- self-service sign-up (accounts/signup.py) ------------------------------------------------
# A private deployment closes the page; the e-mailed link lives SIGNUP_LINK_MAX_AGE seconds;
# one address may ask for SIGNUP_MAX_PER_IP mails (and one e-mail receive SIGNUP_MAX_PER_EMAIL)
# per SIGNUP_THROTTLE_WINDOW seconds.
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)
SIGNUP_LINK_MAX_AGE = int(os.environ.get("SIGNUP_LINK_MAX_AGE", 48 * 3600))
SIGNUP_MAX_PER_IP = int(os.environ.get("SIGNUP_MAX_PER_IP", "10"))
SIGNUP_MAX_PER_EMAIL = int(os.environ.get("SIGNUP_MAX_PER_EMAIL", "3"))
SIGNUP_THROTTLE_WINDOW = int(os.environ.get("SIGNUP_THROTTLE_WINDOW", 3600))

# --- Reports --------------------------------------------------------------------------------
# Facts derived and days rolled up that the event-driven task has not reached (a lost task,
# a broker that was down): beat drains the queues.
CELERY_BEAT_SCHEDULE["reports-derive"] = {
    "task": "reports.tasks.reports_derive_task",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}
