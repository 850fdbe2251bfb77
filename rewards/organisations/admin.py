"""The administration of organisations and staff accounts (role ``admin``).

Every account and organisation created, changed or deleted here is one audit entry (SECURITY.md
17: role changes), and a role must belong to its kind of organisation, as ``create_staff`` and
``staff_create`` require: a grassroots clerk in the city union would see every application.
A role given here waits for a second administrator (:mod:`.grants`, SECURITY.md 5): the list
shows what waits and offers 确认授权 and 拒绝授权. So do a password set here and a reset of the
second factor, for an account under dual control (:mod:`.admin_resets`, :mod:`.resets`). What was
not confirmed in time shows as 已过期 (:mod:`.lapse`) for one more period, then only in the
account's 授权与重置记录 (:mod:`.history`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from rewards.core.audit import audit
from rewards.core.errors import DomainError
from rewards.identity.lockout import lift_lock, locked_for, locked_usernames

from .admin_resets import CredentialResetAdmin, PendingResetFilter, SecondPart, latest_resets_query
from .grants import grant_summary, hold_back_grant, needs_second_administrator, role_grant_confirm, role_grant_refuse, role_grant_request
from .history import account_history
from .lapse import is_listed_lapse, is_open, lapsed_note, latest_grants, latest_resets, listed_lapse_q, open_q, period_days
from .models import ROLE_ORG_KIND, GrantKind, GrantStatus, Organisation, OrgKind, Role, RoleGrant, StaffUser
from .resets import temporary_until

#: What an account's audit entry names of a change (never the password or its hash).
STAFF_FIELDS = ("username", "full_name", "email", "organisation", "role", "is_active")
ORG_FIELDS = ("name", "kind", "parent", "employer", "position", "active")


class RoleFitsOrganisation:
    """The check of ``staff_create``, on the admin's forms."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        role, organisation = cleaned.get("role"), cleaned.get("organisation")
        if not role or "organisation" not in cleaned:  # no role, or the organisation already refused
            return cleaned
        expected = ROLE_ORG_KIND.get(Role(role))
        if expected is None:
            return cleaned
        if organisation is None:  # staff_create requires one too
            self.add_error(  # type: ignore[attr-defined]
                "organisation", f"请选择所属组织：角色“{Role(role).label}”应属于一个{OrgKind(expected).label}。"
            )
        elif organisation.kind != expected:
            self.add_error(  # type: ignore[attr-defined]
                "organisation",
                f"角色“{Role(role).label}”应属于{OrgKind(expected).label}，而“{organisation}”是{OrgKind(organisation.kind).label}。",
            )
        return cleaned


class StaffCreationForm(RoleFitsOrganisation, UserCreationForm):  # type: ignore[type-arg]
    class Meta(UserCreationForm.Meta):
        model = StaffUser
        fields = ("username", "full_name", "organisation", "role")

    def full_clean(self) -> None:
        super().full_clean()
        # A password is never written back into the page (Django's PasswordInput): when another
        # field was wrong, the two boxes come back empty. Say so where they are.
        typed = self.is_bound and (self.data.get("password1") or self.data.get("password2"))
        if typed and self.errors and not self.has_error("password1") and not self.has_error("password2"):
            self.add_error("password1", "表单其他项有误：为安全起见，刚才输入的密码没有保留，请重新输入两次。")


class StaffChangeForm(RoleFitsOrganisation, UserChangeForm):  # type: ignore[type-arg]
    class Meta(UserChangeForm.Meta):
        model = StaffUser
        fields = "__all__"
        # Django's own words ("指明用户是否被认为是活跃的。以反选代替删除帐号。") say little to an administrator.
        help_texts = {"is_active": "取消勾选即停用：该账号不能再登录。账号不删除，其经办记录和审计日志都保留。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "password" in self.fields:  # whether one is set, not the hash's algorithm, salt and cost
            self.fields["password"].widget.template_name = "organisations/password_set.html"


def _values(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, f"{name}_id" if name in ("organisation", "parent") else name) for name in names}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


class AuditedChanges:
    """Creating, changing and deleting in the admin, each one audit entry ``<prefix>.create``,
    ``.change`` (old and new values of :attr:`audited_fields`; none when nothing changed) or
    ``.delete``, in the change's transaction."""

    audit_prefix = ""
    audited_fields: tuple[str, ...] = ()

    def created_detail(self, obj: Any) -> dict[str, Any]:
        return _values(obj, self.audited_fields)

    def deleted_detail(self, obj: Any) -> dict[str, Any]:
        return _values(obj, self.audited_fields)

    @transaction.atomic
    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        before = _values(type(obj).objects.get(pk=obj.pk), self.audited_fields) if change else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        changes = _changes(before, _values(obj, self.audited_fields))
        if change and not changes:
            return
        detail = {"changes": changes} if change else self.created_detail(obj)
        audit(f"{self.audit_prefix}.{'change' if change else 'create'}", actor=request.user, request=request, obj=obj, detail=detail)

    @transaction.atomic
    def delete_model(self, request: Any, obj: Any) -> None:
        detail, pk, label = self.deleted_detail(obj), obj.pk, obj._meta.label_lower
        super().delete_model(request, obj)  # type: ignore[misc]
        audit(f"{self.audit_prefix}.delete", actor=request.user, request=request, object_type=label, object_id=pk, detail=detail)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in list(queryset):
            self.delete_model(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(AuditedChanges, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "parent", "position", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    ordering = ("kind", "position", "name")
    audit_prefix = "organisation"
    audited_fields = ORG_FIELDS


class PendingGrantFilter(admin.SimpleListFilter):
    title = "授权"
    parameter_name = "grant"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "待确认"), ("expired", f"已过期（近 {period_days()} 天）")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(Exists(RoleGrant.objects.filter(open_q("granted_at"), account=OuterRef("pk"))))
        if self.value() == "expired":
            return queryset.filter(Exists(latest_grants().filter(listed_lapse_q("granted_at"), account=OuterRef("pk"))))
        return queryset


def _latest(account: StaffUser) -> RoleGrant | None:
    """The account's last grant when it is pending or lapsed, from :meth:`StaffUserAdmin.get_queryset`'s prefetch."""
    shown = getattr(account, "latest_grants", None)
    if shown is None:
        return latest_grants().filter(account=account).select_related("organisation", "granted_by").first()
    return shown[0] if shown else None


def _pending(account: StaffUser) -> RoleGrant | None:
    """The account's pending grant, past its period or not: 确认授权 and 拒绝授权 take it (and
    lapse it, if past)."""
    grant = _latest(account)
    return grant if grant is not None and grant.status == GrantStatus.PENDING else None


def _open(account: StaffUser) -> RoleGrant | None:
    """The account's pending grant within its period: what the list shows as waiting."""
    grant = _latest(account)
    return grant if grant is not None and is_open(grant) else None


@admin.register(StaffUser)
class StaffUserAdmin(CredentialResetAdmin, AuditedChanges, UserAdmin):  # type: ignore[type-arg]
    form = StaffChangeForm
    add_form = StaffCreationForm
    add_form_template = "admin/organisations/staffuser/add_form.html"
    list_display = ("username", "full_name", "role_now", "organisation_now", "is_active", "pending_grant", "pending_reset", "last_login")
    list_filter = (PendingGrantFilter, PendingResetFilter, "role", "is_active")
    list_select_related = ("organisation",)
    search_fields = ("username", "full_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    # What a union administrator manages: the person, where they work, what they may do, and
    # whether the account is in use. Django's own staff and superuser flags follow the role.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("full_name", "email", "organisation", "role")}),
        (
            "状态",
            {
                "fields": (
                    "is_active",
                    "pending_grant_detail",
                    "pending_reset_detail",
                    "dual_control_history",
                    "temporary_password_state",
                    "sign_in_lock",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "organisation", "role", "password1", "password2")}),)
    readonly_fields = (
        "last_login",
        "date_joined",
        "pending_grant_detail",
        "pending_reset_detail",
        "dual_control_history",
        "temporary_password_state",
        "sign_in_lock",
    )
    actions = ["confirm_grants", "refuse_grants", "reset_mfa", "confirm_resets", "refuse_resets", "unlock_sign_in"]

    audit_prefix = "staff"
    audited_fields = STAFF_FIELDS

    class Media:
        css = {"all": ("organisations/staff-admin.css",)}

    def get_queryset(self, request: Any) -> Any:
        grants = latest_grants().select_related("organisation", "granted_by")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("role_grants", queryset=grants, to_attr="latest_grants"),
                Prefetch("credential_resets", queryset=latest_resets_query(), to_attr="latest_resets"),
            )
        )

    def created_detail(self, obj: Any) -> dict[str, Any]:
        return {"role": obj.role, "organisation_id": obj.organisation_id}

    def deleted_detail(self, obj: Any) -> dict[str, Any]:
        return {"username": obj.username, "role": obj.role, "organisation_id": obj.organisation_id}

    @admin.display(description="角色", ordering="role")
    def role_now(self, obj: StaffUser) -> str:
        """The role the account holds, and under it the one that waits, if another does."""
        grant = _open(obj)
        if grant is None or grant.role == obj.role:
            return obj.role_label or "—"
        return format_html("{}<br><strong>待确认：{}</strong>", obj.role_label or "—", Role(grant.role).label)

    @admin.display(description="所属组织", ordering="organisation__name")
    def organisation_now(self, obj: StaffUser) -> str:
        grant = _open(obj)
        if grant is None or grant.organisation_id == obj.organisation_id:
            return str(obj.organisation or "—")
        return format_html("{}<br><strong>待确认：{}</strong>", obj.organisation or "—", grant.organisation or "—")

    @admin.display(description="待确认授权")
    def pending_grant(self, obj: StaffUser) -> str:
        """What kind of grant waits and who asked (the role and organisation are in their columns);
        or the last one, not confirmed in time (for a period after it lapsed)."""
        grant = _latest(obj)
        if grant is not None and not is_open(grant) and not is_listed_lapse(grant):
            return "—"
        if grant is not None and is_listed_lapse(grant):
            return format_html(
                '<span class="lapsed"><strong>已过期</strong>：{}<br>{} {}</span>',
                str(grant),
                grant.granted_by.username,
                lapsed_note(grant),
            )
        if grant is None:
            return "—"
        return format_html("<strong>{}</strong><br>{} 提出", GrantKind(grant.kind).label, grant.granted_by.username)

    @admin.display(description="待确认授权")
    def pending_grant_detail(self, obj: StaffUser) -> str:
        grant = _latest(obj) if obj.pk else None
        if grant is not None and not is_open(grant) and not is_listed_lapse(grant):
            return "—"  # history now: 授权与重置记录
        if grant is not None and is_listed_lapse(grant):
            voided = "" if obj.has_usable_password() else "该账号现在没有可用的密码：重新提出时，请同时重置密码。"
            return format_html(
                "<strong>已过期</strong>：{}，{}，不能再确认。如仍需要，请重新修改角色、所属组织或启用状态并保存，"
                "重新提出后由另一位系统管理员确认。{}",
                grant_summary(grant),
                lapsed_note(grant),
                voided,
            )
        if grant is None:
            return "—"
        return format_html(
            "<strong>待另一位管理员确认</strong>：{}。确认或拒绝之前，角色、所属组织和启用状态不能修改；"
            "在账号列表中勾选该账号，执行“确认授权”或“拒绝授权”。",
            grant_summary(grant),
        )

    @admin.display(description="授权与重置记录")
    def dual_control_history(self, obj: StaffUser) -> str:
        """The account's grants and resets, newest first, with what became of each."""
        lines = account_history(obj) if obj.pk else []
        if not lines:
            return "—"
        query = urlencode({"object_type": StaffUser._meta.label_lower, "object_id": obj.pk})
        return format_html(
            '<ul class="dual-control-history">{}</ul><a href="{}?{}">在审计日志中查看该账号的全部记录</a>',
            format_html_join("", "<li>{}</li>", ((line,) for line in lines)),
            reverse("staff:audit"),
            query,
        )

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        """An administrator cannot change their own role, organisation or state: made a reviewer
        or a finance officer, they could decide or pay (SECURITY.md 5: an administrator cannot).
        Another administrator does it, and the change is audited. Nor can anyone change them
        while a grant of the account waits: it is confirmed or refused first."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and (obj.pk == request.user.pk or _open(obj) is not None):
            return (*fields, "organisation", "role", "is_active")
        return fields

    @transaction.atomic
    def save_model(self, request: Any, obj: StaffUser, form: Any, change: bool) -> None:
        before = StaffUser.objects.select_for_update().get(pk=obj.pk) if change else None
        ask = hold_back_grant(account=obj, before=before)
        obj.is_staff = obj.is_superuser = obj.role == Role.ADMIN  # only the administrator enters /admin/
        if not change:  # the first password is this administrator's: temporary (ASVS 6.4.1)
            obj.temporary_password_until = temporary_until()
        super().save_model(request, obj, form, change)  # audits what the account holds now
        if ask is None:
            if not change:
                self.message_user(
                    request,
                    f"“{obj.username}”的密码是临时密码：{settings.STAFF_TEMPORARY_PASSWORD_HOURS} 小时内有效，本人首次登录须改为自己的密码。",
                    messages.INFO,
                )
            return
        grant = role_grant_request(account=obj, ask=ask, acting_user=request.user, request=request)
        obj.refresh_from_db(fields=["password", "temporary_password_until"])  # a lapsed grant's first password is void
        waiting = "该账号确认前不能登录" if ask.activate else f"确认前该账号仍是“{obj.role_label or '无角色'}”"
        first_part = (
            "。您设定的密码是新密码的第一段：请只把它告知本人；第二段在确认时显示给确认的管理员，由其告知本人"
            if obj.temporary_password_until is not None
            else ""
        )
        self.message_user(
            request,
            f"{grant_summary(grant)}：须由另一位系统管理员在账号列表中勾选该账号并执行“确认授权”后生效，{waiting}{first_part}。",
            messages.WARNING,
        )

    def add_view(self, request: Any, form_url: str = "", extra_context: Any = None) -> Any:
        """The add form says before saving what saving does: who must confirm, and the password."""
        dual = [role for role in Role if needs_second_administrator(role)]
        context = {
            "dual_control_labels": "、".join(str(role.label) for role in dual),
            "dual_control_all": len(dual) == len(Role),
            "temporary_hours": settings.STAFF_TEMPORARY_PASSWORD_HOURS,
            **(extra_context or {}),
        }
        return super().add_view(request, form_url, context)

    def changelist_view(self, request: Any, extra_context: Any = None) -> Any:
        if request.method == "GET":
            waiting = RoleGrant.objects.filter(open_q("granted_at")).count()
            if waiting:
                self.message_user(
                    request,
                    f"有 {waiting} 项角色授权待确认（见“待确认授权”一栏，或按右侧“授权：待确认”筛选）："
                    "须由提出人以外的系统管理员勾选账号后执行“确认授权”，确认前不生效。",
                    messages.WARNING,
                )
            self.pending_resets_notice(request)
            self.locked_notice(request)
            lapsed = (
                latest_grants().filter(listed_lapse_q("granted_at")).count() + latest_resets().filter(listed_lapse_q("asked_at")).count()
            )
            if lapsed:
                self.message_user(
                    request,
                    f"有 {lapsed} 项角色授权或重置近 {period_days()} 天内过期未确认（标为“已过期”，可按右侧“已过期”筛选）："
                    "不能再确认，如仍需要，请重新提出；更早的见账号页面的“授权与重置记录”和审计日志。",
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    def _decide(self, request: Any, queryset: Any, decide: Any, done_label: str) -> list[tuple[StaffUser, Any]]:
        done, problems = [], []
        for account in queryset:
            grant = _pending(account)
            if grant is None:
                problems.append(f"“{account.username}”没有待确认的授权")
                continue
            try:
                done.append((account, decide(grant=grant, acting_user=request.user, request=request)))
            except DomainError as exc:
                problems.append(f"“{account.username}”：{exc.message}")
        if done:
            names = "、".join(account.username for account, _ in done)
            self.message_user(request, f"已{done_label} {len(done)} 个账号的授权：{names}。", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
        return done

    @admin.action(description="确认授权（须由提出人以外的管理员；新账号密码的第二段只显示给您）")
    def confirm_grants(self, request, queryset):  # type: ignore[no-untyped-def]
        done = self._decide(request, queryset, role_grant_confirm, "确认")
        return self.second_parts_page(
            request,
            [SecondPart(account, c.grant.granted_by.username, c.second_part, c.valid_until) for account, c in done if c.second_part],
        )

    @admin.action(description="拒绝授权（账号保持原状）")
    def refuse_grants(self, request, queryset):  # type: ignore[no-untyped-def]
        self._decide(request, queryset, role_grant_refuse, "拒绝")

    @admin.action(description="解除登录锁定")
    def unlock_sign_in(self, request, queryset):  # type: ignore[no-untyped-def]
        """Lifts the lock and forgets the failures; says, and audits, whether a lock was in force."""
        lifted = []
        for user in queryset:
            was_locked = lift_lock(user.username)
            audit("staff.unlock", actor=request.user, request=request, obj=user, detail={"was_locked": was_locked})
            if was_locked:
                lifted.append(user.username)
            else:
                self.message_user(request, f"“{user.username}”没有被锁定，无需解除（其登录失败次数已清零）。", messages.INFO)
        if lifted:
            self.message_user(request, f"已解除 {len(lifted)} 个账号的登录锁定：{'、'.join(lifted)}。", messages.SUCCESS)

    @admin.display(description="登录锁定")
    def sign_in_lock(self, obj: StaffUser) -> str:
        wait = locked_for(obj.username) if obj.pk else None
        if wait is None:
            return "—"
        return f"已锁定：连续登录失败，约 {wait_minutes(wait)} 分钟后自动解除；确认是本人后，可在账号列表中勾选该账号执行“解除登录锁定”。"

    def locked_notice(self, request: Any) -> None:
        locked = locked_usernames(list(StaffUser.objects.filter(is_active=True).values_list("username", flat=True)))
        if locked:
            names = "、".join(f"{name}（约 {wait_minutes(wait)} 分钟后自动解除）" for name, wait in sorted(locked.items()))
            self.message_user(
                request,
                f"有 {len(locked)} 个账号因连续登录失败暂时锁定：{names}。确认是本人后，可勾选账号执行“解除登录锁定”。",
                messages.WARNING,
            )


def wait_minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


# Permissions come from the role, not from Django's groups: the groups page would only mislead.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
