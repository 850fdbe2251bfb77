"""The union tree (市总工会 → 区县（市）/产业工会 → 基层工会) and the staff who work in it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from rewards.core.text import org_key


class OrgKind(models.TextChoices):
    CITY = "city", "市总工会"
    DISTRICT = "district", "区县（市）/产业工会"
    GRASSROOTS = "grassroots", "基层工会"


#: The level each kind of unit hangs under (DOMAIN.md §1: a tree three levels deep).
PARENT_KIND = {OrgKind.CITY: None, OrgKind.DISTRICT: OrgKind.CITY, OrgKind.GRASSROOTS: OrgKind.DISTRICT}


class Organisation(models.Model):
    """One union. ``path`` is a materialised path (``/1/5/123/``): a subtree is a prefix."""

    name = models.CharField("名称", max_length=120)
    name_key = models.CharField("名称索引", max_length=120, unique=True, editable=False)
    kind = models.CharField("层级", max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey("self", verbose_name="上级工会", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    employer = models.CharField("工作单位（基层工会所在单位）", max_length=200, blank=True)
    position = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "工会组织"
        verbose_name_plural = "工会组织"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="city", parent__isnull=True) | models.Q(parent__isnull=False),
                name="org_parent_unless_city",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name_key = org_key(self.name)
        before = self._stored_path()
        super().save(*args, **kwargs)
        expected = (self.parent.path if self.parent else "/") + f"{self.pk}/"
        if self.path != expected or (before and before != expected):
            self.path = expected
            Organisation.objects.filter(pk=self.pk).update(path=expected)
            if before and before != expected:
                # The units below move with it: a path left behind would scope them to the old place.
                for pk, path in Organisation.objects.filter(path__startswith=before).exclude(pk=self.pk).values_list("pk", "path"):
                    Organisation.objects.filter(pk=pk).update(path=expected + path[len(before) :])

    def clean(self) -> None:
        """A unit hangs one level below its parent and never under itself or its own units: the
        path is what every staff query is scoped by (SECURITY.md 1), so a 基层工会 made the parent of
        its 区县工会 would open the whole district to that union's clerk (decision 285)."""
        super().clean()
        if not self.kind:
            return
        wanted = PARENT_KIND.get(OrgKind(self.kind))
        parent = self.parent if self.parent_id else None
        stored = self._stored_path()
        if parent is not None and self.pk and (parent.pk == self.pk or (stored and parent.path.startswith(stored))):
            raise ValidationError({"parent": "上级工会不能是本单位自己或本单位下属的单位。"})
        if wanted is None and parent is not None:
            raise ValidationError({"parent": "市总工会没有上级工会，请清空“上级工会”。"})
        if wanted is not None and (parent is None or parent.kind != wanted):
            raise ValidationError({"parent": f"{OrgKind(self.kind).label}的上级工会应为{OrgKind(wanted).label}。"})
        if self.pk:
            below = {kind for kind, above in PARENT_KIND.items() if above == self.kind}
            odd = Organisation.objects.filter(parent_id=self.pk).exclude(kind__in=below).first()
            if odd is not None:
                raise ValidationError(
                    {"kind": f"本单位下属的“{odd.name}”是{OrgKind(odd.kind).label}，本单位不能改为{OrgKind(self.kind).label}。"}
                )

    def _stored_path(self) -> str:
        """The path as saved ("" for a unit not saved yet); the form may have changed ``parent``."""
        if self.pk is None:
            return ""
        return Organisation.objects.filter(pk=self.pk).values_list("path", flat=True).first() or ""

    def is_within(self, other: Organisation) -> bool:
        """True when ``self`` is ``other`` or below it."""
        return self.path.startswith(other.path)

    @property
    def district_union(self) -> Organisation | None:
        """The district/industry union this unit reports through (itself for a district)."""
        node: Organisation | None = self
        while node is not None and node.kind != OrgKind.DISTRICT:
            node = node.parent
        return node


class Role(models.TextChoices):
    """API.md "Roles": each staff user has one role in one organisation."""

    GRASSROOTS_CLERK = "grassroots_clerk", "基层工会经办人"
    DISTRICT_REVIEWER = "district_reviewer", "区县（产业）工会审核人"
    CITY_REVIEWER = "city_reviewer", "市总职工服务中心审核人"
    FINANCE_OFFICER = "finance_officer", "市总财务人员"
    ECONOMIC_OFFICER = "economic_officer", "市总经济部人员"
    AUDITOR = "auditor", "审计人员"
    ADMIN = "admin", "系统管理员"


#: Which organisation level each role works at.
ROLE_ORG_KIND = {
    Role.GRASSROOTS_CLERK: OrgKind.GRASSROOTS,
    Role.DISTRICT_REVIEWER: OrgKind.DISTRICT,
    Role.CITY_REVIEWER: OrgKind.CITY,
    Role.FINANCE_OFFICER: OrgKind.CITY,
    Role.ECONOMIC_OFFICER: OrgKind.CITY,
    Role.AUDITOR: OrgKind.CITY,
    Role.ADMIN: OrgKind.CITY,
}


class StaffManager(UserManager):
    pass


class StaffUser(AbstractUser):
    """A union staff member: one organisation, one role."""

    #: Longer than Django's 128: a two-part temporary password holds two hashes
    #: (:mod:`rewards.identity.hashers`), about 270 characters with Argon2.
    password = models.CharField("密码", max_length=512)
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    full_name = models.CharField("姓名", max_length=60, blank=True)
    #: Set while the password is one an administrator set (临时密码, ASVS 6.4.1): a sign-in with it
    #: leads only to the password change, and it stops working after this time. Cleared when the
    #: holder sets their own (``staff_password_change``).
    temporary_password_until = models.DateTimeField("临时密码有效期至", null=True, blank=True, editable=False)

    objects = StaffManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        """What the administration greets (“欢迎，…”): the name, not the upper-cased user name."""
        return str(self)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""


class GrantKind(models.TextChoices):
    """What a role grant does to the account (:mod:`rewards.organisations.grants`)."""

    CREATE = "create", "新建账号"
    CHANGE = "change", "变更角色或所属组织"
    REACTIVATE = "reactivate", "重新启用账号"


class GrantStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REFUSED = "refused", "已拒绝"
    #: Not confirmed within ``STAFF_PENDING_DUAL_CONTROL_DAYS`` (:mod:`rewards.organisations.lapse`).
    EXPIRED = "expired", "已过期"


class RoleGrant(models.Model):
    """角色授权：a role (and organisation) given to an account in the administration, waiting for a
    second administrator (SECURITY.md 5). The account keeps what it had until it is confirmed."""

    account = models.ForeignKey(StaffUser, verbose_name="账号", on_delete=models.CASCADE, related_name="role_grants")
    kind = models.CharField("授权类型", max_length=20, choices=GrantKind.choices)
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Enables the account on confirmation (a new or a disabled account).
    activate = models.BooleanField("确认后启用", default=False)
    status = models.CharField("状态", max_length=20, choices=GrantStatus.choices, default=GrantStatus.PENDING)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认或拒绝人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认或拒绝时间", null=True, blank=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=models.Q(status="pending"), name="role_grant_one_pending_per_account"),
        ]

    def __str__(self) -> str:
        return f"{GrantKind(self.kind).label}：{Role(self.role).label}"


class ResetKind(models.TextChoices):
    """What a credential reset replaces (:mod:`rewards.organisations.resets`)."""

    PASSWORD = "password", "重置密码"
    MFA = "mfa", "重置两步验证"


class CredentialReset(models.Model):
    """凭据重置：a password set, or a second factor reset, by an administrator for an account under
    dual control, waiting for a second administrator (SECURITY.md 5, 7). The account keeps its
    password and authenticator until it is confirmed. For a password only the first part's hash
    is kept, never the password; it is emptied once the reset is decided."""

    account = models.ForeignKey(StaffUser, verbose_name="账号", on_delete=models.CASCADE, related_name="credential_resets")
    kind = models.CharField("重置类型", max_length=20, choices=ResetKind.choices)
    first_part_hash = models.CharField("第一段的哈希", max_length=512, blank=True, default="", editable=False)
    status = models.CharField("状态", max_length=20, choices=GrantStatus.choices, default=GrantStatus.PENDING)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认或拒绝人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认或拒绝时间", null=True, blank=True)

    class Meta:
        verbose_name = "凭据重置"
        verbose_name_plural = "凭据重置"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"], condition=models.Q(status="pending"), name="credential_reset_one_pending_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return ResetKind(self.kind).label
