"""Settings shared by every environment; environment files override what differs.

Everything a deployment changes comes from environment variables (cookiecutter-django
style): DATABASE_URL, ZT_SECRET_KEY, ZT_BASE_DOMAIN, CELERY_BROKER_URL, ZT_EMAIL_*.
"""
from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from zhengtong.dbserver import REPO_ROOT, database_url, django_database

BASE_DIR = REPO_ROOT
PACKAGE_DIR = Path(__file__).resolve().parents[1]
VAR_DIR = Path(os.environ.get("ZT_VAR_DIR", REPO_ROOT / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


SECRET_KEY = os.environ.get("ZT_SECRET_KEY", "dev-only-not-secret-0f3a9c1d7e2b")
DEBUG = False

# The district's host. Units live on <slug>.<base domain>; the district portal on the
# base domain itself. *.localhost resolves to loopback in browsers, so local use needs
# no DNS set-up.
ZT_BASE_DOMAIN = os.environ.get("ZT_BASE_DOMAIN", "zt.localhost")
ALLOWED_HOSTS = [ZT_BASE_DOMAIN, f".{ZT_BASE_DOMAIN}", "localhost", "127.0.0.1"]

# ---------------------------------------------------------------- tenancy
# Apps whose tables live only in the public schema (users, districts, units) and apps
# whose tables live in every unit's schema. django-guardian is tenant-only on purpose:
# object ids repeat across schemas, and a shared permission table once gave a user
# rights on another unit's object with the same id.
MODULE_APPS = [
    "modules.assets",
    "modules.assets.stocktake",
    "modules.assets.leasing",
    "modules.inspection",
    "modules.personnel",
    "modules.equipment",
    "modules.equipment.custody",
    "modules.projects",
]
# Public-schema parts of modules: what the district sees across units (pool listings,
# cross-unit handshakes, roll-up summary rows). Never unit data the district may not read.
MODULE_SHARED_APPS = [
    "modules.assets.pool",
    "modules.assets.district",
    "modules.personnel.exchange",
]

SHARED_APPS = [
    "django_tenants",
    "zhengtong.core",
    "zhengtong.accounts",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "tenant_users.permissions",
    "tenant_users.tenants",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "zhengtong.audit",
    "zhengtong.registry",
    "zhengtong.notifications",  # one inbox per person across units
    "zhengtong.approvals",  # also public: district delegations and the district's pending-step index
    "zhengtong.reports",  # district-level documents
    "zhengtong.imports",
    "zhengtong.security",
    # Sign-in lockout and second factor: accounts are global, so their tables are too.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    *MODULE_SHARED_APPS,
    "drf_spectacular",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "tenant_users.permissions",
    "guardian",
    "zhengtong.audit",
    "zhengtong.registry",
    "zhengtong.approvals",
    "zhengtong.reports",
    "zhengtong.imports",
    "zhengtong.files",  # attachments: rows in the unit's schema, bytes under MEDIA_ROOT/<schema>/
    *MODULE_APPS,
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Unit"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New units are cloned from this schema (migrated on every deploy by `migrate_platform`)
# instead of running every migration: see bench/onboarding.py for the difference.
TENANT_BASE_SCHEMA = "unit_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# migrate_platform migrates the unit schemas that are behind in this many processes
# (django-tenants' multiprocessing executor); one per core keeps PostgreSQL busy without queueing.
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("ZT_MIGRATE_PROCESSES", os.cpu_count() or 2))
TENANT_MULTIPROCESSING_CHUNKS = 4
# django-tenants sends "SET search_path" before every query unless told to send it once per
# schema switch: half of a page's statements were these. It forgets what it set on every
# schema switch, rollback, savepoint rollback and reconnect, so the path is never stale;
# code that sets search_path by hand must call set_schema*() after (tenants/pool.py does).
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
PUBLIC_SCHEMA_URLCONF = "zhengtong.urls_public"
ROOT_URLCONF = "zhengtong.urls_tenant"
TENANT_USERS_ACCESS_ERROR_MESSAGE = _("Page not found")

DATABASES = {"default": django_database(database_url())}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- auth
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while the account is locked on this host (zhengtong.security.lockout).
    "axes.backends.AxesStandaloneBackend",
    "tenant_users.permissions.backend.UserBackend",
    "zhengtong.accounts.backends.UnitObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions, ever
GUARDIAN_RAISE_403 = False
# guardian.W001: our backend subclasses guardian's; axes.W006: lockout by account, see AXES_LOCKOUT_PARAMETERS.
SILENCED_SYSTEM_CHECKS = ["guardian.W001", "axes.W006"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Length, character classes and history follow the security policy the district security
# admin edits (zhengtong.security.models.SecurityPolicy); the history validator also keeps
# password_changed_at, which the password-age check reads.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "zhengtong.security.validators.PolicyLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhengtong.security.validators.PolicyCharacterClassValidator"},
    {"NAME": "zhengtong.security.validators.PasswordHistoryValidator"},
]
INVITATION_VALID_DAYS = 7

# One login for every unit: the session cookie covers the base domain and its
# subdomains, so switching units keeps the user signed in.
SESSION_COOKIE_DOMAIN = os.environ.get("ZT_SESSION_COOKIE_DOMAIN", ZT_BASE_DOMAIN)
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
# The server-side ceiling; the policy's absolute lifetime (default 8 h, at most 12 h) and
# idle timeout (default 30 min) are enforced per request by SessionSecurityMiddleware.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "zt_session"
CSRF_COOKIE_NAME = "zt_csrftoken"

# ---------------------------------------------------------------- security (docs/security.md)
# Sign-in lockout (django-axes): attempts are keyed "<unit schema>:<e-mail>" so failures on
# one unit's host do not lock the person out elsewhere; the limit and the cool-off come from
# the security policy (zhengtong.security.lockout).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# By account only, not by address: a school or bureau signs in from behind one NAT address,
# and counting by address would lock a whole office out after a few typos (axes.W006 is
# silenced for that reason; spraying many accounts from one address is for the proxy's rate
# limit, docs/security.md).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "zhengtong.security.lockout.axes_username"
AXES_FAILURE_LIMIT = "zhengtong.security.lockout.failure_limit"
AXES_COOLOFF_TIME = "zhengtong.security.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "zhengtong.security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
# The client address as the audit trail reads it (audit/context.py client_ip): REMOTE_ADDR, or
# the address appended by one of these reverse proxies (nginx's $proxy_add_x_forwarded_for).
ZT_TRUSTED_PROXIES = tuple(p for p in os.environ.get("ZT_TRUSTED_PROXIES", "").split(",") if p)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Second factor (TOTP) for the three administrators and district operators.
OTP_TOTP_ISSUER = "政通 Zhengtong"
# Headers on every response; HSTS, secure cookies and the HTTPS redirect are in prod.py.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Nothing inline, nothing from elsewhere. form-action is completed per request with the
# district's own hosts (zhengtong.security.headers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# ---------------------------------------------------------------- web
MIDDLEWARE = [
    # django-tenants' TenantMainMiddleware, reading the unit with its modules and the security policy.
    "zhengtong.core.middleware.UnitHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "zhengtong.security.headers.ContentSecurityPolicyMiddleware",  # django-csp
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhengtong.core.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle timeout, session lifetime, second factor, password age; audits refused pages.
    "zhengtong.security.middleware.SessionSecurityMiddleware",
    # Non-members of a unit get 404 there, not 403: do not reveal that it exists.
    "tenant_users.tenants.middleware.TenantAccessMiddleware",
    "zhengtong.audit.context.AuditContextMiddleware",
    "zhengtong.core.middleware.UnitStatusMiddleware",
    "zhengtong.registry.middleware.ModuleGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After access checks (non-members still get 404): refuses control characters in any input.
    "zhengtong.core.middleware.ControlCharacterMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the "locked" page
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengtong.core.context_processors.portal",
                "zhengtong.notifications.context_processors.inbox",
            ],
        },
    },
]
WSGI_APPLICATION = "zhengtong.wsgi.application"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Uploads land under the unit's own folder (MEDIA_ROOT/<schema>/...).
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Largest accepted upload (a use may set a lower limit); the web server's body limit
# (nginx client_max_body_size) should be a little above it.
ZT_UPLOAD_MAX_BYTES = int(os.environ.get("ZT_UPLOAD_MAX_MB", "20")) * 1024 * 1024

# Cache keys carry the schema so one unit can never read another's cached values.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

EMAIL_BACKEND = os.environ.get("ZT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("ZT_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ZT_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("ZT_DEFAULT_FROM_EMAIL", "zhengtong@localhost")

# ---------------------------------------------------------------- REST API (platform/zhengtong/api)
# Every API view is for signed-in members of the unit whose host is called (non-members 404);
# module view sets add the module gate and model/object permissions (zhengtong.api.permissions).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zhengtong.api.authentication.UnitTokenAuthentication",  # first: anonymous calls get 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhengtong.api.permissions.IsUnitMember"],
    "DEFAULT_PAGINATION_CLASS": "zhengtong.api.pagination.UnitPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "zhengtong.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,  # money stays exact: "5000.00", never a float
}
ZT_API_TOKEN_MAX_AGE = int(os.environ.get("ZT_API_TOKEN_MAX_AGE", str(8 * 3600)))
SPECTACULAR_SETTINGS = {
    "TITLE": "政通 Zhengtong API",
    "DESCRIPTION": "REST API of a unit (单位). Call it on the unit's own host; it lists only the modules "
                   "switched on there. Sign in on the portal, or send `Authorization: Bearer <token>` "
                   "with a token from POST /api/token/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["zhengtong.api.permissions.IsUnitMember"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,  # request bodies without the read-only fields
    "PREPROCESSING_HOOKS": ["zhengtong.api.schema.hide_disabled_modules"],
    # Units' networks are often offline: Swagger UI's files come from drf-spectacular-sidecar,
    # served by the API itself (zhengtong.api.views.SwaggerUIFileView), never from a CDN.
    "SWAGGER_UI_DIST": "/api/docs/ui",
    "SWAGGER_UI_FAVICON_HREF": "/api/docs/ui/favicon-32x32.png",
}

# ---------------------------------------------------------------- celery
# Without a broker server we use kombu's filesystem transport: a real worker polls
# folders under var/celery. Set CELERY_BROKER_URL (redis://, amqp://) in production.
CELERY_FS_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_FS_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_DIR / "queue"),
        "processed_folder": str(CELERY_FS_DIR / "processed"),
        # kombu keeps broadcast exchange tables in ./control unless told otherwise.
        "control_folder": str(CELERY_FS_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
# An import without a heartbeat for this many seconds is stuck (its worker died): it may be
# claimed again by a redelivered task or the uploader's retry (zhengtong.imports).
IMPORTS_STALE_AFTER = int(os.environ.get("ZT_IMPORTS_STALE_AFTER", "120"))

# Ready unit schemas kept for onboarding (tenants/pool.py); refilled after each onboarding and by beat.
ZT_UNIT_POOL_SIZE = int(os.environ.get("ZT_UNIT_POOL_SIZE", "3"))

# Every periodic job, in one place; beat runs beside the worker (deploy/run.sh). Jobs that work
# in each unit are not beat entries: one tick a minute fans them out, each sent from its unit's
# schema where it is due (zhengtong/notifications/periodic.py; the tasks are declared with
# zhengtong.core.tenancy.unit_task): the platform's, every active unit, seconds between runs —
ZT_PLATFORM_UNIT_JOBS = {
    "zhengtong.approvals.check_deadlines": 600,  # approval deadline reminders and escalation
}
# — and each module's, where the module is on: its manifest's PeriodicTask(per_unit=True).
CELERY_BEAT_SCHEDULE = {
    "notifications.periodic_tick": {"task": "zhengtong.notifications.periodic_tick", "schedule": 60},
    "security.disable_dormant_accounts": {"task": "security.disable_dormant_accounts", "schedule": 24 * 3600},
    # Ready unit schemas for onboarding (tenants/pool.py), also refilled after each onboarding.
    "tenants.pool_refill": {"task": "tenants.pool_refill", "schedule": 600},
    # The audit trail's retention purge; it fans out to every unit itself (docs/audit.md).
    "zhengtong.audit.purge_all": {"task": "zhengtong.audit.purge_all",
                                  "schedule": float(os.environ.get("ZT_AUDIT_PURGE_INTERVAL", 24 * 3600))},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZT_LOG_LEVEL", "WARNING")},
}

if CELERY_BROKER_URL.startswith("filesystem"):
    # kombu's filesystem transport needs its folders to exist before the first send.
    for _sub in ("queue", "processed", "control"):
        (CELERY_FS_DIR / _sub).mkdir(parents=True, exist_ok=True)

# How links to the portals are written (mails, printed logins).
ZT_URL_SCHEME = os.environ.get("ZT_URL_SCHEME", "http")
ZT_URL_PORT = os.environ.get("ZT_URL_PORT", "")
