"""Development: zero configuration. Keys are generated once into DATA_DIR and kept there
(outside the database), so a restart can still read what was encrypted."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env
from .keys import ensure_local_keys

DEBUG = env("DEBUG", "1") == "1"
# `make run` serves with DEBUG=0 (the Chinese 404 and 500 pages a user sees, not Django's
# technical ones listing every URL): WhiteNoise then serves the static files straight from
# the apps' folders, without collectstatic, as runserver does with DEBUG=1.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
_keys = ensure_local_keys(DATA_DIR / "keys")
SECRET_KEY = env("SECRET_KEY") or _keys["SECRET_KEY"]
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY") or _keys["FIELD_ENCRYPTION_KEY"]
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY") or _keys["BLIND_INDEX_KEY"]
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY") or _keys["AUDIT_CHAIN_KEY"]
SHOW_DEMO_BANNER = bool(env("APP_TODAY"))
