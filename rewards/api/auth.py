"""Bearer tokens: applicant tokens (SMS sign-in) and staff tokens (username + password)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions

from rewards.identity.services import Applicant, applicant_for_token, staff_for_token


def bearer(request) -> str | None:  # type: ignore[no-untyped-def]
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApplicantTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):  # type: ignore[no-untyped-def]
        token = bearer(request)
        if token is None:
            return None
        applicant = applicant_for_token(token)
        return (applicant, token) if applicant else None

    def authenticate_header(self, request) -> str:  # type: ignore[no-untyped-def]
        return "Bearer"


class StaffTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):  # type: ignore[no-untyped-def]
        token = bearer(request)
        if token is None:
            return None
        user = staff_for_token(token)
        return (user, token) if user else None

    def authenticate_header(self, request) -> str:  # type: ignore[no-untyped-def]
        return "Bearer"


class IsApplicant(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return isinstance(request.user, Applicant)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        user = request.user
        return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "role", ""))


class ApplicantTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rewards.api.auth.ApplicantTokenAuthentication"
    name = "applicantToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "http", "scheme": "bearer", "description": "职工令牌：POST /api/v1/applicant/session 取得"}


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rewards.api.auth.StaffTokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "http", "scheme": "bearer", "description": "工作人员令牌：POST /api/v1/auth/token 取得"}
