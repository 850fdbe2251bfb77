"""Sign-in of workers (ID number + SMS code) and API tokens of workers and staff.

Only hashes of codes and tokens are stored; a leaked table signs nobody in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rewards.core.fields import EncryptedTextField


class OtpChallenge(models.Model):
    """A 6-digit code sent to the mobile on file in the member registry."""

    id_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"

    def __str__(self) -> str:
        return f"otp {self.pk}"


class ApplicantToken(models.Model):
    """A short-lived bearer token of a signed-in worker."""

    key_hash = models.CharField(max_length=64, unique=True)
    id_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "职工令牌"
        verbose_name_plural = "职工令牌"

    def __str__(self) -> str:
        return f"applicant token {self.pk}"


class StaffToken(models.Model):
    """A bearer token of a staff user for the API: valid until ``expires_at`` (absolute) and while
    used at least every ``STAFF_SESSION_IDLE_MINUTES`` (``last_used_at``, written at most once a
    minute; :mod:`rewards.identity.staff_limits`)."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    #: Issued after a TOTP code: a role that must use a second factor accepts only these.
    mfa = models.BooleanField(default=False)

    class Meta:
        verbose_name = "工作人员令牌"
        verbose_name_plural = "工作人员令牌"

    def __str__(self) -> str:
        return f"staff token {self.pk}"


class StaffTotp(models.Model):
    """A staff user's TOTP second factor (RFC 6238, 30-second steps, 6 digits).

    The secret is sealed like personal numbers (:class:`EncryptedTextField`). A new secret waits
    in ``pending_secret`` until a code from the authenticator confirms it. ``last_step`` is the
    time step of the last code accepted: a code is never accepted twice, nor an older one.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp")
    secret = EncryptedTextField(blank=True, default="")
    pending_secret = EncryptedTextField(blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "两步验证"
        verbose_name_plural = "两步验证"

    def __str__(self) -> str:
        return f"totp {self.user_id}"

    @property
    def active(self) -> bool:
        return bool(self.secret and self.confirmed_at)
