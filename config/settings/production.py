"""Production: refuses to start without its secrets (API.md "Configuration")."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_list

_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY")
_missing = [name for name in _REQUIRED if not env(name)]
if _missing:
    raise ImproperlyConfigured("生产环境缺少必需的配置项：" + "、".join(_missing))
# The audit anchor belongs outside what the application's account can rewrite (README "Deploying"):
# under DATA_DIR, beside the database, it would be put back or emptied with it.
_anchor = env("AUDIT_ANCHOR_FILE")
if not _anchor:
    raise ImproperlyConfigured("生产环境须设置 AUDIT_ANCHOR_FILE（数据库之外的审计锚点文件，见 README“部署”一节）。")
if Path(_anchor).resolve().is_relative_to(Path(DATA_DIR).resolve()):  # noqa: F405
    raise ImproperlyConfigured(
        "AUDIT_ANCHOR_FILE 不能放在 DATA_DIR 中：审计锚点须由另一账号保管（只许追加），否则会随数据库一起被恢复或清空。"
    )
if env("APP_TODAY"):
    raise ImproperlyConfigured("生产环境不允许设置 APP_TODAY（模拟业务日期仅用于演示和培训）。")
if env("BENCH_ENDPOINTS", "0") != "0":
    raise ImproperlyConfigured("生产环境不允许设置 BENCH_ENDPOINTS（基准测试专用接口）。")
if (env("SMS_BACKEND", "console") or "console") in ("console", "file"):
    raise ImproperlyConfigured("生产环境必须配置真实的短信通道（SMS_BACKEND 不能是 console 或 file）。")

if env("SMS_BACKEND") == "aliyun":
    _sms_missing = [n for n in ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_TEMPLATES") if not env(n)]
    if _sms_missing:
        raise ImproperlyConfigured("阿里云短信缺少配置项：" + "、".join(_sms_missing))

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY")
APP_TODAY = None
STAFF_MFA_ROLES = env_list("STAFF_MFA_ROLES", "finance_officer,admin")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", "1") == "1"
# Monitoring on the machine itself asks the health endpoint over plain HTTP (README "Deploying").
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload list binds the whole registered domain and every subdomain, and is slow to leave:
# the operator opts in (SECURE_HSTS_PRELOAD=1) for the domain; until then Django's reminder
# (security.W021) is silenced on purpose, so that `check --deploy` stays clean (docs/decisions.md).
SECURE_HSTS_PRELOAD = env("SECURE_HSTS_PRELOAD", "0") == "1"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Only ever sent over HTTPS to this host (no Domain, Path=/): the __Host- prefix makes browsers hold to it.
SESSION_COOKIE_NAME = "__Host-sessionid"
# Demonstration data (seed_demo: accounts with a shared password) is refused here.
DEMO_DATA_ALLOWED = False
