"""Settings of the server that the fault tests start in a child process (gunicorn): the test
settings (same keys, same storage, same database as the test process), with the business date
taken from the environment so that the 2020 campaign is open."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

APP_TODAY = os.environ.get("APP_TODAY") or None
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"]["NAME"] = os.environ["FAULT_DATABASE_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
