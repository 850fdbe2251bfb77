"""Every API error in the contract's shape: ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from django.views.defaults import server_error as page_server_error
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rewards.api.parsers import NOT_AN_OBJECT
from rewards.core.errors import DomainError


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): [str(item) for item in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    return {}


logger = logging.getLogger(__name__)

#: The database went away mid-request (a restart, a fail-over): the change may or may not have
#: been made, so the worker is sent to look before trying again (a second submission of a saved
#: one answers 409 already_pending anyway).
DATABASE_UNAVAILABLE = "系统暂时无法连接数据库，请稍后再试；如刚才在提交或修改申请，请先在“我的申请”中查看是否已经办好。"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("数据库暂时不可用：%s", type(exc).__name__)
        return Response(error_body("service_unavailable", DATABASE_UNAVAILABLE), status=503, headers={"Retry-After": "5"})
    if isinstance(exc, DataError) and "NUL" in str(exc):
        # PostgreSQL text cannot hold a NUL character: one in any field or query parameter was a
        # 500 there (found by schemathesis); it is the client's input, refused like any other.
        return Response(error_body("invalid_input", "提交的内容含有空字符（NUL），请删除后再试。"), status=400)
    if isinstance(exc, DomainError):
        headers = {}
        if "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra.pop("retry_after"))
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "没有找到对应的记录。"), status=404)
    if isinstance(exc, exceptions.Throttled):
        # DRF sets ``Throttled.wait`` in ``__init__``; djangorestframework-stubs leave it out.
        wait = int(exc.wait or 60)  # type: ignore[attr-defined]
        return Response(error_body("throttled", f"操作过于频繁，请 {wait} 秒后再试。"), status=429, headers={"Retry-After": str(wait)})
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response(error_body("not_authenticated", "请先登录。"), status=401, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, exceptions.PermissionDenied):
        return Response(error_body("forbidden", "您的角色无权进行此操作。"), status=403)
    if isinstance(exc, exceptions.ParseError):
        # Valid JSON of the wrong shape (a list, a number) is said as such; anything else did not parse.
        said = NOT_AN_OBJECT if str(exc.detail) == NOT_AN_OBJECT else "请求内容无法解析（应为 JSON 或表单）。"
        return Response(error_body("invalid_input", said), status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(error_body("invalid_input", "不支持的请求格式，请以 JSON 或表单格式提交。"), status=415)
    if isinstance(exc, exceptions.NotAcceptable):
        return Response(error_body("not_acceptable", "无法按 Accept 头要求的格式返回，请接受 application/json。"), status=406)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body("method_not_allowed", "不支持该请求方法。"), status=405)
    if isinstance(exc, exceptions.ValidationError):
        return Response(error_body("invalid_input", "提交的内容有误，请按提示修改。", _flatten(exc.detail)), status=400)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body("error", str(getattr(exc, "detail", "请求出错。")))
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: a URL under ``/api/`` that matches no endpoint (a negative id, a slash in a
    number) answers in the contract's shape like every other API error; pages keep Django's."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "没有找到对应的接口或记录。"), status=404, json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an API client gets the contract's shape, a person the Chinese page."""
    if request.path.startswith("/api/"):
        body = error_body("server_error", "系统暂时出错，操作没有完成，请稍后再试。")
        return JsonResponse(body, status=500, json_dumps_params={"ensure_ascii": False})
    return page_server_error(request)
