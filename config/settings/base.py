"""Settings shared by every environment.

Everything an operator may change comes from an environment variable named in
``shared/spec/API.md`` ("Configuration"); the defaults run a development copy with
zero configuration on SQLite under ``DATA_DIR``.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    raw = env(name, default) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")) or "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "rewards.operator",  # before django.contrib.auth: its changepassword and createsuperuser refuse
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "rewards.core.tasks_app.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "rewards.core",
    "rewards.organisations",
    "rewards.campaigns",
    "rewards.registries",
    "rewards.eligibility",
    "rewards.applications",
    "rewards.notifications",
    "rewards.identity",
    "rewards.review",
    "rewards.reports",
    "rewards.batches",
    "rewards.payments",
    "rewards.operations",
    "rewards.training",
    "rewards.api",
    "rewards.web",
    "rewards.demo",
]

MIDDLEWARE = [
    # First: everything after it (throttles, the audit log) sees the client's own address.
    "rewards.core.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # CSP, Permissions-Policy, no-store; staff idle/absolute timeouts and MFA (SECURITY.md 10, 11).
    "rewards.web.security.ContentSecurityPolicyMiddleware",
    "rewards.web.security.SecurityHeadersMiddleware",
    "rewards.web.staff.sessions.StaffSessionMiddleware",
    # Innermost: a form's address opened directly gets a Chinese page, which the CSP above covers.
    "rewards.web.errors.MethodNotAllowedPageMiddleware",
]

#: Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; none by default.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rewards" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rewards.web.context_processors.site",
            ],
        },
    },
]


def database_config(url: str | None) -> dict[str, Any]:
    """SQLite under DATA_DIR unless DATABASE_URL names another database.

    SQLite runs in WAL mode with IMMEDIATE transactions (writers queue on the busy
    timeout instead of failing with "database is locked") and persistent
    connections, which PLATFORM-NOTES measured at three times the throughput.
    """
    if not url:
        url = f"sqlite:///{DATA_DIR / 'rewards.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"),
            "transaction_mode": "IMMEDIATE",
        }
    return dict(config)


DATABASES = {"default": database_config(env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.StaffUser"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Only checks the two-part passwords of a reset under dual control (rewards/identity/hashers.py).
    "rewards.identity.hashers.TwoPartPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/staff/login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "rewards" / "web" / "static"]
#: Browser libraries installed from the npm registry by ``make install`` (package-lock.json;
#: scripts/npm-assets.sh copies the one file each page needs here), served as /static/vendor/…:
#: never a CDN. Absent before the install; the pages that use them fall back to tables.
VENDOR_STATIC_DIR = BASE_DIR / "build" / "vendor"
if VENDOR_STATIC_DIR.is_dir():
    STATICFILES_DIRS.append(("vendor", VENDOR_STATIC_DIR))
STORAGES = {
    # Uploaded materials live outside any public URL: no MEDIA_URL is served.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploaded materials: JPEG/PNG/PDF, 5 MB each, files 0600 in folders 0700.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rewards-local",
    },
    # Shared between server processes: throttles that must hold across workers.
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rewards_cache",
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the token from the cookie: every form carries it in its hidden field.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
#: Permissions-Policy: no page needs a device feature (photos are chosen through a file input).
#: Only features Chromium knows: it warns in the console about each one it does not (bluetooth,
#: interest-cohort).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"
# Content-Security-Policy (django-csp): only this origin; no inline script or style anywhere.
# data:/blob: images are the worker's photo previews and the reviewers' materials viewer;
# blob: frames show a PDF material fetched by the viewer. Pages that may be framed by this site
# (``xframe_options_sameorigin``) get ``frame-ancestors 'self'`` (rewards.web.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE: a template may carry an inline <script nonce="{{ request.csp_nonce }}">.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- field encryption and blind index (SECURITY.md 14) -------------------------------
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
# --- the audit log's keyed hash chain (SECURITY.md 17): HMAC-SHA256 under this key ----------
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY")
# The chain's anchor outside the database (rewards.core.anchor): each audit_verify appends the head it
# verified, signed. Production keeps it with another owner, append-only (README "Deploying");
# the default, beside the development database, only finds a log emptied through the database.
AUDIT_ANCHOR_FILE = env("AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchor.jsonl"))
# A syslog socket (production: /dev/log, journald) for the anchor lines' copy; unset: stderr.
AUDIT_ANCHOR_SYSLOG = env("AUDIT_ANCHOR_SYSLOG", "")

# --- business clock ------------------------------------------------------------------
APP_TODAY = (env("APP_TODAY") or "").strip() or None
if APP_TODAY is not None:
    # Read at every deadline and window (rewards.core.clock): a date it cannot read made every
    # request a 500. API.md: YYYY-MM-DD.
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", APP_TODAY):
            raise ValueError(APP_TODAY)
        _dt.date.fromisoformat(APP_TODAY)
    except ValueError:
        raise ImproperlyConfigured(f"APP_TODAY={APP_TODAY} 不是有效的日期：应写成 YYYY-MM-DD，例如 2020-10-15。") from None

# --- SMS --------------------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", "console")
SMS_FILE_PATH = env("SMS_FILE_PATH", str(DATA_DIR / "sms.jsonl"))
# The operator's gateway (SMS_BACKEND=aliyun): Aliyun SMS ``SendSms``. Each of our template
# codes maps to a template registered with Aliyun: "otp=SMS_1,submitted=SMS_2,…".
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", "杭州市总工会")
SMS_ALIYUN_TEMPLATES = {
    code.strip(): template_code.strip()
    for code, _, template_code in (item.partition("=") for item in env_list("SMS_ALIYUN_TEMPLATES"))
    if code.strip() and template_code.strip()
}
SMS_ALIYUN_ENDPOINT = env("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_TIMEOUT = float(env("SMS_ALIYUN_TIMEOUT", "10") or 10)

# --- staff second factor ------------------------------------------------------------
STAFF_MFA_ROLES = env_list("STAFF_MFA_ROLES", "")

# --- dual control of role grants (SECURITY.md 5) -------------------------------------
#: A role in this list, given in the administration (a new account, a new role or organisation,
#: a disabled account enabled again), holds only once a second administrator confirms it
#: (rewards.organisations.grants). Every role by default; a deployment may narrow it, but
#: ``admin`` stays in a list that is not empty (manage.py check): a second administrator made
#: at once would confirm the first one's grants.
STAFF_DUAL_CONTROL_ROLES = env_list(
    "STAFF_DUAL_CONTROL_ROLES", "grassroots_clerk,district_reviewer,city_reviewer,finance_officer,economic_officer,auditor,admin"
)

#: A password set by an administrator is temporary (ASVS 6.4.1): its holder must replace it at
#: the first sign-in, and it stops working this many hours after it took effect. Under dual
#: control it is a password in two parts, one from each administrator (rewards.organisations.resets).
STAFF_TEMPORARY_PASSWORD_HOURS = int(env("STAFF_TEMPORARY_PASSWORD_HOURS", "24") or 24)

#: A role grant or a credential reset not confirmed within this many days of being proposed lapses
#: (已过期): confirming it is refused, and it must be proposed again. A second administrator who
#: confirms weeks later no longer knows why it was asked (rewards.organisations.lapse).
STAFF_PENDING_DUAL_CONTROL_DAYS = int(env("STAFF_PENDING_DUAL_CONTROL_DAYS", "7") or 7)

# --- staff lockout and sessions (SECURITY.md 7, 10) ------------------------------------
#: STAFF_LOCKOUT_FAILURES failed sign-ins within STAFF_LOCKOUT_MINUTES lock the username for
#: STAFF_LOCKOUT_MINUTES (web and API alike, counted in the database across processes).
STAFF_LOCKOUT_FAILURES = int(env("STAFF_LOCKOUT_FAILURES", "5") or 5)
STAFF_LOCKOUT_MINUTES = int(env("STAFF_LOCKOUT_MINUTES", "15") or 15)
if env("THROTTLE_LOGIN", ""):
    # API.md's name for the same limit (THROTTLE_<SCOPE>): "5/15min" is 5 failures within 15
    # minutes, which lock the username for 15 minutes. When given, it decides both.
    _login = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*", env("THROTTLE_LOGIN", "") or "")
    if not _login or int(_login[1]) < 1:
        raise ImproperlyConfigured("THROTTLE_LOGIN 应形如 5/15min（次数/时长，单位 s、min、hour 或 day）。")
    _seconds = int(_login[2] or 1) * {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}.get(
        _login[3], 86400
    )
    if _seconds < 1:
        raise ImproperlyConfigured("THROTTLE_LOGIN 的时长不能为 0（例如 5/15min）。")
    STAFF_LOCKOUT_FAILURES, STAFF_LOCKOUT_MINUTES = int(_login[1]), max(1, -(-_seconds // 60))
#: A staff sign-in, a page session or an API token alike (rewards.identity.staff_limits), ends after
#: STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS after it began.
STAFF_SESSION_IDLE_MINUTES = int(env("STAFF_SESSION_IDLE_MINUTES", "30") or 30)
STAFF_SESSION_MAX_HOURS = int(env("STAFF_SESSION_MAX_HOURS", "12") or 12)
#: An API token's own absolute limit, shorter than a page session's: never more than STAFF_SESSION_MAX_HOURS.
STAFF_TOKEN_MAX_HOURS = int(env("STAFF_TOKEN_MAX_HOURS", "8") or 8)

# --- throttles (API.md "Default throttles"; THROTTLE_<SCOPE> overrides each) ----------
THROTTLE_DEFAULTS = {
    "otp": "5/10min",
    "login": "5/15min",
    "query_failure": "10/15min",
    "query_failure_client": "20/15min",
    # A worker's sign-in whose ID number and name find no verified member (decision 286).
    "signin_failure": "10/15min",
    "signin_failure_client": "20/15min",
    "eligibility": "60/min",
    "submission": "10/hour",
}
THROTTLES = {scope: env(f"THROTTLE_{scope.upper()}", default) or default for scope, default in THROTTLE_DEFAULTS.items()}
# A rate the throttles cannot read (rewards.core.throttle.parse_rate) stops the start, as
# THROTTLE_LOGIN's does: read at the first request, it made every request of its scope a 500.
for _scope, _rate in THROTTLES.items():
    _read = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*", _rate)
    if not _read or int(_read[1]) < 1 or (_read[2] and int(_read[2]) < 1):
        raise ImproperlyConfigured(
            f"THROTTLE_{_scope.upper()}={_rate} 无法识别：应形如 60/min 或 5/10min（次数/时长，单位 s、min、hour 或 day），次数和时长至少为 1。"
        )
# The `login` scope counts staff sign-in failures: THROTTLE_LOGIN or STAFF_LOCKOUT_* above decide it.
THROTTLES["login"] = f"{STAFF_LOCKOUT_FAILURES}/{STAFF_LOCKOUT_MINUTES}min"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rewards.api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rewards.api.renderers.LocalTimeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rewards.api.parsers.JSONObjectParser",  # JSON objects only
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": None,
    # Throttles count per REMOTE_ADDR, which ClientAddressMiddleware sets behind a trusted proxy;
    # DRF's default (None) would count per X-Forwarded-For as the client wrote it.
    "NUM_PROXIES": 0,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "杭州市职工高技能人才奖励平台 API",
    "DESCRIPTION": (
        '职工个人申报、各级工会审核、奖励核发的接口（v1）。错误统一为 `{"error": {"code", "message", "fields"?, "checks"?, "reasons"?}}`；'
        "时间为北京时间（ISO 8601，带 +08:00）；429 带 Retry-After（秒）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package: no CDN on the intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The groups of the docs page, named as the paths name them, each said in Chinese.
    "TAGS": [
        {"name": "health", "description": "服务状态"},
        {"name": "campaigns", "description": "年度奖励活动"},
        {"name": "eligibility", "description": "资格自测"},
        {"name": "applicant", "description": "职工登录与“我的申请”"},
        {"name": "applications", "description": "个人网上申报：提交、修改、撤回、查询"},
        {"name": "auth", "description": "工作人员登录"},
        {"name": "review", "description": "各级工会审核"},
        {"name": "batch-submissions", "description": "单位统一申报（导入汇总表）"},
        {"name": "payments", "description": "奖励核发：发放批次、银行文件、结果与退汇"},
        {"name": "stats", "description": "工作进度"},
        {"name": "reports", "description": "附件1、4、5等报表"},
        {"name": "occupation-declarations", "description": "非通用性职业申报（附件5）"},
        {"name": "training-plans", "description": "培训计划与进度"},
    ],
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "rewards.core.vocab.Level",
        "IssuerEnum": "rewards.core.vocab.Issuer",
        "GenderEnum": "rewards.core.vocab.Gender",
        "MaterialKindEnum": "rewards.applications.models.AttachmentKind",
    },
    # Path parameters as Django's converters match them (`int` is [0-9]+, `str` has no "/"):
    # a negative id or a slash never reaches a view, so the schema does not offer them.
    "PATH_CONVERTER_OVERRIDES": {
        "int": {"type": "integer", "minimum": 0},
        "str": {"type": "string", "pattern": "^[^/]+$"},
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rewards.api.schema.retry_after_on_429",
    ],
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "syslog": {"format": "rewards-audit-anchor: %(levelname)s %(message)s"},
    },
    # A path logged by Django may hold a number a caller typed into it: masked (SECURITY.md 18),
    # on the loggers that log paths and on the handler every other record goes through.
    "filters": {"mask_numbers": {"()": "rewards.core.logs.MaskPersonalNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_numbers"]},
        # The anchor lines unmasked (a hash holds runs of digits; the lines hold no personal
        # number), and not on cron's stderr, which is mailed: to syslog when a socket is given.
        "audit_anchor": (
            {"class": "rewards.core.logs.AnchorSyslogHandler", "address": AUDIT_ANCHOR_SYSLOG, "formatter": "syslog"}
            if AUDIT_ANCHOR_SYSLOG
            else {"class": "logging.StreamHandler", "formatter": "plain"}
        ),
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    # WeasyPrint reports every rendering step at INFO (the printed annexes): only its warnings.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "rewards.audit.anchor": {"handlers": ["audit_anchor"], "level": "INFO", "propagate": False},
        "weasyprint": {"level": "WARNING"},
        "django.request": {"filters": ["mask_numbers"]},
        "django.server": {"filters": ["mask_numbers"]},
    },
}

#: Demo banner shown on every page when the business date is simulated.
SHOW_DEMO_BANNER = False
#: seed_demo may create its demo accounts (production: False, no default accounts).
DEMO_DATA_ALLOWED = True

# --- benchmark-only endpoints (``make bench``): POST /api/v1/_bench/discard -----------------
#: The benchmark's ceilings; never in production (config.settings.production refuses it).
BENCH_ENDPOINTS = env("BENCH_ENDPOINTS", "0") == "1"
