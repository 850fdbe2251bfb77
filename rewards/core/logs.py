"""Logging filters: no full personal number in the application log (SECURITY.md 18).

The project's own code logs objects by id; but Django logs the path of every 4xx answer
("Not Found: /staff/applications/…"), and a path holds whatever a caller typed or pasted into
it: an ID, card or mobile number where an application number goes. The filter masks every run of
11 or more digits in a record's message before any handler sees it.
"""

from __future__ import annotations

import logging

from .masking import mask_digit_runs


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_digit_runs(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
