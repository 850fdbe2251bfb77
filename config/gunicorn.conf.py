"""gunicorn's settings beyond the command line (deploy/systemd/rewards-web.service and
`make serve` pass ``-c config/gunicorn.conf.py``).

The access log names the path without its query string: a clerk's search (``?q=`` with an ID
number) or a filter must not leave personal numbers in the journal (SECURITY.md 18); the
application's own logs mask them (rewards/core/logs.py), and so does the access log's logger
for a number typed into the path itself (config/gunicorn_logging.py).
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
logger_class = "config.gunicorn_logging.MaskedAccessLogger"
