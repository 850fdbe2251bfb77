"""重置密码 and 重置两步验证 in the administration of staff accounts, under dual control
(:mod:`.resets`).

For an account under dual control the password page and the action 重置两步验证 record a
request instead of changing the account; the list shows what waits (column 待确认重置, filter
重置：待确认, a notice above the list) and offers 确认重置 and 拒绝重置. Confirming a password
shows the second part of the new password on a page of its own, once, to the confirming
administrator only: it is stored nowhere and never put in a message (messages are kept in the
session until shown). A reset not confirmed in time shows as 已过期 (:mod:`.lapse`) for one more
period (or until another of its kind is proposed), then only in the account's 授权与重置记录.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import DomainError
from rewards.identity.hashers import SECOND_PART_LENGTH, is_two_part

from .lapse import is_lapsed, is_listed_lapse, is_open, lapsed_note, latest_resets, listed_lapse_q, open_q, period_days
from .models import CredentialReset, GrantStatus, ResetKind, RoleGrant, StaffUser
from .resets import (
    ConfirmedReset,
    credential_reset_confirm,
    credential_reset_refuse,
    credential_reset_request,
    password_set_at_once,
    reset_summary,
    shanghai_minute,
    under_dual_control,
)


@dataclass(frozen=True)
class SecondPart:
    """One line of the page 新密码的第二段."""

    account: StaffUser
    #: The administrator who set the first part (and tells it to the holder).
    first_part_by: str
    second_part: str
    valid_until: dt.datetime | None


class PendingResetFilter(admin.SimpleListFilter):
    title = "重置"
    parameter_name = "reset"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "待确认"), ("expired", f"已过期（近 {period_days()} 天）")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(Exists(CredentialReset.objects.filter(open_q("asked_at"), account=OuterRef("pk"))))
        if self.value() == "expired":
            return queryset.filter(Exists(latest_resets().filter(listed_lapse_q("asked_at"), account=OuterRef("pk"))))
        return queryset


def latest_resets_query() -> Any:
    return latest_resets().select_related("asked_by").order_by("kind")


def _latest_resets(account: StaffUser) -> list[CredentialReset]:
    """The account's last reset of each kind when pending or lapsed, from the list's prefetch
    (``latest_resets``) when there is one."""
    found = getattr(account, "latest_resets", None)
    return list(found) if found is not None else list(latest_resets_query().filter(account=account))


def pending_resets(account: StaffUser) -> list[CredentialReset]:
    """The account's pending resets, past their period or not: 确认重置 and 拒绝重置 take them
    (and lapse them, if past)."""
    return [reset for reset in _latest_resets(account) if reset.status == GrantStatus.PENDING]


def open_resets(account: StaffUser) -> list[CredentialReset]:
    """The account's pending resets within their period: what the list shows as waiting."""
    return [reset for reset in _latest_resets(account) if is_open(reset)]


def lapsed_resets(account: StaffUser) -> list[CredentialReset]:
    """The account's resets that lapsed recently enough to be listed as 已过期."""
    return [reset for reset in _latest_resets(account) if is_listed_lapse(reset)]


def temporary_state(account: StaffUser) -> str:
    """“临时密码，本人尚未修改（有效期至 …）”, or that it has lapsed, or that there is no password
    to sign in with; "" for the holder's own password."""
    until = account.temporary_password_until
    if not account.has_usable_password():
        return "没有可用的密码（不能用密码登录）：须重置密码"
    if until is None:
        return ""
    if clock.now() >= until:
        return f"临时密码已于 {shanghai_minute(until)} 过期（本人未修改）：须重新重置密码"
    if not is_two_part(account.password) and any(is_lapsed(grant) for grant in _pending_grants(account)):
        # The grant whose confirmation would have completed this password lapsed: the password is
        # voided when the lapse is stored (lapse.lapse_grant), by tonight's purge_expired at latest.
        return "临时密码随未确认的授权一并作废（授权已过期）：须重新提出授权并重置密码"
    return f"临时密码，本人尚未修改（有效期至 {shanghai_minute(until)}）"


def _pending_grants(account: StaffUser) -> list[RoleGrant]:
    """The account's pending grants: from the list's prefetch (``latest_grants``) when there is one."""
    found = getattr(account, "latest_grants", None)
    if found is None:
        found = RoleGrant.objects.filter(account=account, status=GrantStatus.PENDING)
    return [grant for grant in found if grant.status == GrantStatus.PENDING]


def _change_url(account: StaffUser) -> str:
    return reverse("admin:organisations_staffuser_change", args=(account.pk,))


class CredentialResetAdmin:
    """Mixed into :class:`.admin.StaffUserAdmin`."""

    change_user_password_template = "admin/organisations/staffuser/change_password.html"  # noqa: S105 - a template
    admin_site: Any
    message_user: Any
    change_password_form: Any
    get_object: Any
    has_change_permission: Any

    # --- the list and the account's page --------------------------------------------------------

    @admin.display(description="待确认重置")
    def pending_reset(self, obj: StaffUser) -> str:
        """What waits and who asked, and what was not confirmed in time; else a temporary password
        the holder has not replaced yet."""
        waiting, lapsed = open_resets(obj), lapsed_resets(obj)
        if waiting or lapsed:
            return format_html_join(
                "", "<div><strong>{}</strong>（{} 提出）</div>", ((ResetKind(r.kind).label, r.asked_by.username) for r in waiting)
            ) + format_html_join(
                "",
                '<div class="lapsed"><strong>已过期</strong>：{}（{} {}）</div>',
                ((ResetKind(r.kind).label, r.asked_by.username, lapsed_note(r)) for r in lapsed),
            )
        return temporary_state(obj) or "—"

    @admin.display(description="待确认重置")
    def pending_reset_detail(self, obj: StaffUser) -> str:
        waiting, lapsed = (open_resets(obj), lapsed_resets(obj)) if obj.pk else ([], [])
        if not waiting and not lapsed:
            return "—"
        parts = []
        if waiting:
            parts.append(
                format_html(
                    "<div><strong>待另一位管理员确认</strong>：{}。确认之前，该账号仍使用原来的密码和验证器；"
                    "在账号列表中勾选该账号，执行“确认重置”或“拒绝重置”。</div>",
                    "；".join(reset_summary(reset) for reset in waiting),
                )
            )
        if lapsed:
            parts.append(
                format_html(
                    "<div><strong>已过期</strong>：{}，不能再确认；该账号仍使用原来的密码和验证器。如仍需要，请重新提出。</div>",
                    "；".join(f"{ResetKind(r.kind).label}（{r.asked_by.username} {lapsed_note(r)}）" for r in lapsed),
                )
            )
        return format_html_join("", "{}", ((part,) for part in parts))

    @admin.display(description="临时密码")
    def temporary_password_state(self, obj: StaffUser) -> str:
        return temporary_state(obj) or "—（本人自己设定的密码）"

    def pending_resets_notice(self, request: Any) -> None:
        waiting = CredentialReset.objects.filter(open_q("asked_at")).count()
        if waiting:
            self.message_user(
                request,
                f"有 {waiting} 项密码或两步验证重置待确认（见“待确认重置”一栏，或按右侧“重置：待确认”筛选）："
                "须由提出人以外的系统管理员勾选账号后执行“确认重置”，确认前账号仍使用原来的密码和验证器。",
                messages.WARNING,
            )

    # --- 重置密码 -----------------------------------------------------------------------------------

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        """Setting a password goes through :mod:`.resets` (a request under dual control, else a
        temporary password at once); disabling password sign-in stays Django's, audited."""
        account = self.get_object(request, unquote(id))
        if request.method == "POST" and account is not None and self.has_change_permission(request, account):
            form = self.change_password_form(account, request.POST)
            if form.is_valid() and form.cleaned_data.get("set_usable_password"):
                return self._password_set(request, account, form.cleaned_data["password1"])
        before = account.password if account is not None else ""
        response = super().user_change_password(request, id, form_url)  # type: ignore[misc]
        if account is None:
            return response
        if request.method == "POST":
            account.refresh_from_db(fields=["password"])
            if account.password != before:  # password sign-in disabled: taking away holds at once
                audit("staff.password_reset", actor=request.user, request=request, obj=account, detail={"usable": False})
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data.update(
                dual_control=under_dual_control(account),
                pending_password=[r for r in open_resets(account) if r.kind == ResetKind.PASSWORD],
                second_part_length=SECOND_PART_LENGTH,
                hours=settings.STAFF_TEMPORARY_PASSWORD_HOURS,
            )
        return response

    def _password_set(self, request: Any, account: StaffUser, password: str) -> Any:
        hours = settings.STAFF_TEMPORARY_PASSWORD_HOURS
        try:
            if under_dual_control(account):
                reset = credential_reset_request(
                    account=account, kind=ResetKind.PASSWORD, password=password, acting_user=request.user, request=request
                )
                self.message_user(
                    request,
                    f"“{account.username}”的{reset_summary(reset)}须由另一位系统管理员在账号列表中勾选该账号并执行“确认重置”后生效，"
                    "确认前该账号仍使用原密码。您设定的是新密码的第一段：请只把它告知本人；第二段由确认的管理员告知。",
                    messages.WARNING,
                )
            else:
                password_set_at_once(account=account, password=password, acting_user=request.user, request=request)
                self.message_user(
                    request,
                    f"已为“{account.username}”设定临时密码：{hours} 小时内有效，本人首次登录须改为自己的密码；其已登录的页面和接口令牌随即失效。",
                    messages.SUCCESS,
                )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(_change_url(account))

    # --- 重置两步验证 -------------------------------------------------------------------------------

    @admin.action(description="重置两步验证（手机丢失或更换；受双人控制的账号须另一位管理员确认）")
    def reset_mfa(self, request, queryset):  # type: ignore[no-untyped-def]
        from rewards.identity.mfa import mfa_reset

        at_once, waiting, problems = [], [], []
        for account in queryset:
            if not under_dual_control(account):
                mfa_reset(user=account, acting_user=request.user, request=request)
                at_once.append(account.username)
                continue
            try:
                credential_reset_request(account=account, kind=ResetKind.MFA, acting_user=request.user, request=request)
            except DomainError as exc:
                problems.append(exc.message)
            else:
                waiting.append(account.username)
        if at_once:
            self.message_user(request, f"已重置 {len(at_once)} 个账号的两步验证：{'、'.join(at_once)}；其接口令牌和已登录的页面随即失效。")
        if waiting:
            self.message_user(
                request,
                f"两步验证重置须由另一位系统管理员执行“确认重置”后生效，确认前原验证器照常使用：{'、'.join(waiting)}。",
                messages.WARNING,
            )
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    # --- 确认重置 / 拒绝重置 -----------------------------------------------------------------------

    @admin.action(description="确认重置（须由提出人以外的管理员；新密码的第二段只显示给您）")
    def confirm_resets(self, request, queryset):  # type: ignore[no-untyped-def]
        confirmed: list[tuple[StaffUser, ConfirmedReset]] = []
        problems: list[str] = []
        for account in queryset:
            waiting = pending_resets(account)
            if not waiting:
                problems.append(f"“{account.username}”没有待确认的重置")
            for reset in waiting:
                try:
                    confirmed.append((account, credential_reset_confirm(reset=reset, acting_user=request.user, request=request)))
                except DomainError as exc:
                    problems.append(f"“{account.username}”：{exc.message}")
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
        factors = [account.username for account, done in confirmed if not done.second_part]
        if factors:
            self.message_user(
                request,
                f"已确认 {len(factors)} 个账号的两步验证重置：{'、'.join(factors)}。其原验证器、接口令牌和已登录的页面随即失效，本人下次登录时重新绑定。",
                messages.SUCCESS,
            )
        return self.second_parts_page(
            request,
            [
                SecondPart(account, done.reset.asked_by.username, done.second_part, done.valid_until)
                for account, done in confirmed
                if done.second_part
            ],
        )

    def second_parts_page(self, request: Any, parts: list[SecondPart]) -> TemplateResponse | None:
        """The page that shows each new password's second part, once, to the administrator who
        confirmed it (None when there is none to show: the list comes back with its messages)."""
        if not parts:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "新密码的第二段",
            "opts": StaffUser._meta,
            "parts": parts,
            "second_part_length": SECOND_PART_LENGTH,
            "hours": settings.STAFF_TEMPORARY_PASSWORD_HOURS,
        }
        return TemplateResponse(request, "admin/organisations/staffuser/second_parts.html", context)

    @admin.action(description="拒绝重置（账号保持原密码和原验证器）")
    def refuse_resets(self, request, queryset):  # type: ignore[no-untyped-def]
        done, problems = [], []
        for account in queryset:
            waiting = pending_resets(account)
            if not waiting:
                problems.append(f"“{account.username}”没有待确认的重置")
            for reset in waiting:
                try:
                    credential_reset_refuse(reset=reset, acting_user=request.user, request=request)
                except DomainError as exc:
                    problems.append(f"“{account.username}”：{exc.message}")
                else:
                    done.append(f"{account.username}（{ResetKind(reset.kind).label}）")
        if done:
            self.message_user(request, f"已拒绝 {len(done)} 项重置：{'、'.join(done)}。", messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
