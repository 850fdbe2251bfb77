"""The benchmarks behind ``make bench`` (``python -m bench.run``).

Benchmarks are not tests: they measure the server as deployed (gunicorn, 2 workers, load
from ``wrk`` on loopback) and the operations CLI on a fresh, throw-away ``DATA_DIR``, and
print each figure next to the ceiling measured in the same run.
"""
