"""Bearer tokens: applicant tokens (SMS sign-in) and staff tokens (username + password)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from rewards.identity.services import Applicant, applicant_for_token, staff_for_token
from rewards.organisations.models import StaffUser


def bearer(request: HttpRequest | Request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def applicant_user(request: Request) -> Applicant:
    """The signed-in worker of an :class:`IsApplicant` view. DRF types ``request.user`` as the
    staff user model; here it is the :class:`Applicant` the token authenticated."""
    user = request.user
    if not isinstance(user, Applicant):  # IsApplicant has refused the request already
        raise exceptions.NotAuthenticated()
    return user


def staff_user(request: Request) -> StaffUser:
    """The signed-in staff user of an :class:`IsStaff` view (``request.user`` typed)."""
    user = request.user
    if not isinstance(user, StaffUser):  # IsStaff has refused the request already
        raise exceptions.NotAuthenticated()
    return user


class ApplicantTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Applicant, str] | None:
        token = bearer(request)
        if token is None:
            return None
        applicant = applicant_for_token(token)
        return (applicant, token) if applicant else None

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class StaffTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[StaffUser, str] | None:
        token = bearer(request)
        if token is None:
            return None
        user = staff_for_token(token)
        return (user, token) if user else None

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class IsApplicant(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.user, Applicant)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "role", ""))


class ApplicantTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rewards.api.auth.ApplicantTokenAuthentication"
    name = "applicantToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "职工令牌：POST /api/v1/applicant/session 取得"}


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rewards.api.auth.StaffTokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "工作人员令牌：POST /api/v1/auth/token 取得"}
