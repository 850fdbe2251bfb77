"""Request parsers of the API."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONObjectParser(JSONParser):
    """Every JSON body this API takes is an object. ``null``, a number, a string or a list is
    refused as unparseable (400 ``invalid_input``) before a view reads a field of it; the views
    used to answer those with a 500 (found by schemathesis)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError("请求内容应为 JSON 对象。")
        return data
