"""Request parsers of the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

NOT_AN_OBJECT = "请求内容应为 JSON 对象。"


class JSONObjectParser(JSONParser):
    """Every JSON body this API takes is an object. ``null``, a number, a string or a list is
    refused as unparseable (400 ``invalid_input``) before a view reads a field of it; the views
    used to answer those with a 500 (found by schemathesis)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(NOT_AN_OBJECT)
        return data


def request_body(request: Request) -> Mapping[str, Any]:
    """``request.data`` as the mapping it always is here (DRF types it ``dict | list``): a JSON
    object (:class:`JSONObjectParser`), a form's ``QueryDict``, or an empty one without a body."""
    data = request.data
    if not isinstance(data, Mapping):  # no parser of this API gives anything else
        raise ParseError(NOT_AN_OBJECT)
    return data
