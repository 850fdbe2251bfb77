"""gunicorn's access log with personal numbers masked (SECURITY.md 18).

The log format already leaves query strings out (config/gunicorn.conf.py); but a path holds
whatever a caller typed into it, an ID or card number where an application number goes. Every
run of 11 or more digits in the path, the request line and the referrer is masked as the
application's own log filter masks it (rewards/core/logs.py).
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from rewards.core.masking import mask_digit_runs

#: The atoms that carry a URL: the path, the request line, the query string, the referrer.
_URL_ATOMS = ("U", "r", "q", "f")


class MaskedAccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _URL_ATOMS:
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = mask_digit_runs(value)
        referer = atoms.get("{referer}i")
        if isinstance(referer, str):
            atoms["{referer}i"] = mask_digit_runs(referer)
        return atoms
