"""Reads of applications for workers: the public status query and "my applications"."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from rewards.core import clock, crypto, throttle, validators
from rewards.core.errors import NotFound
from rewards.core.vocab import Channel, Status

from .models import Application

STAGE_LABELS = {
    "submitted": "提交申请",
    "corrected": "修改申请",
    "resubmitted": "修改后重新提交",
    "withdrawn": "撤回申请",
    "bank_corrected": "更正银行卡",
    "batch_entered": "单位统一申报录入",
}
DECISION_LABELS = {"approve": "通过", "return": "退回修改", "reject": "不予奖励"}


def find_by_query_password(*, id_number: str, query_password: str, client: str) -> Application:
    """The same 404 for an unknown ID and a wrong password; failures throttled per ID and per client."""
    number, _ = validators.check_id_number(id_number)
    id_key = number or (id_number or "").strip()[:40]
    rate_client = settings.THROTTLES.get("query_failure_client", "20/15min")
    message = "查询失败次数过多，请15分钟后再试。"
    throttle.check_all([("query_failure", id_key, None, message), ("query_failure_client", client, rate_client, message)])
    from .services import password_matches

    if number:
        candidates = Application.objects.filter(id_hash=crypto.blind_index("id", number)).only("pk", "query_password_hash").order_by("-submitted_at")
        for candidate in candidates:
            if password_matches(candidate, query_password or ""):
                # The status needs no personal number: leave the encrypted columns unread.
                return Application.objects.select_related("campaign").defer("id_number", "phone", "bank_card_no").get(pk=candidate.pk)
    throttle.record("query_failure", id_key)
    throttle.record("query_failure_client", client)
    raise NotFound("身份证号码或查询密码不正确。")


def history(application: Application) -> list[dict[str, Any]]:
    from rewards.review.services import stage_name

    rows = []
    for event in application.events.all():
        if event.decision:
            stage = stage_name(event.from_status, application.channel) if event.from_status in Status.values else event.stage
        else:
            stage = STAGE_LABELS.get(event.stage, event.stage)
        rows.append(
            {
                "at": event.at,
                "stage": stage,
                "decision": DECISION_LABELS.get(event.decision, ""),
                "opinion": event.opinion,
            }
        )
    return rows


def can_resubmit(application: Application) -> bool:
    from .services import resubmission_deadline

    if application.channel == Channel.BATCH and application.status != Status.PAYMENT_FAILED:
        return False
    if application.status == Status.RETURNED:
        deadline = resubmission_deadline(application)
        return deadline is not None and clock.today() <= deadline
    if application.status == Status.PENDING_DISTRICT and not application.has_decision:
        return clock.today() <= application.campaign.application_deadline
    return application.status == Status.PAYMENT_FAILED


def next_step(application: Application) -> str:
    from .services import resubmission_deadline

    status = application.status
    if status in (Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT, Status.PENDING_CITY):
        extra = "在审核人作出决定前，您可以修改或撤回申请。" if status == Status.PENDING_DISTRICT and not application.has_decision else ""
        return "申请正在审核中，请耐心等待，结果会以短信通知您。" + extra
    if status == Status.RETURNED:
        deadline = resubmission_deadline(application)
        if application.channel == Channel.BATCH:
            return "申请已退回所在基层工会修改，请与单位工会联系。"
        return f"请按审核意见修改后，在{deadline:%Y年%m月%d日}前（含当日）重新提交。" if deadline else "请按审核意见修改后重新提交。"
    if status == Status.APPROVED:
        return "审核已通过，奖励将统一发放到您填写的银行卡，发放后短信通知。"
    if status == Status.PAID:
        return "奖励已发放到您的银行卡，请注意查收。"
    if status == Status.PAYMENT_FAILED:
        return "奖励发放失败，请登录后更正银行卡信息（须为本人名下的银行卡），更正后将在下一批次发放。"
    if status == Status.REJECTED:
        return "经审核不予奖励，原因见审核意见。本年度不能再次申请。"
    return "申请已撤回；如仍符合条件，可以在截止日期前重新申请。"


def status_payload(application: Application) -> dict[str, Any]:
    return {
        "application_no": application.application_no,
        "year": application.campaign.year,
        "channel": application.channel,
        "status": application.status,
        "status_label": Status(application.status).label,
        "amount": f"{application.amount:.2f}" if application.amount is not None else None,
        "amount_fixed": application.status in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED),
        "can_resubmit": can_resubmit(application),
        "can_withdraw": application.status in (Status.PENDING_DISTRICT, Status.PENDING_GRASSROOTS) and not application.has_decision,
        "next_step": next_step(application),
        "history": history(application),
    }


def applicant_applications(id_hash: str) -> list[Application]:
    return list(
        Application.objects.filter(id_hash=id_hash)
        .select_related("campaign")
        .prefetch_related("events")
        .order_by("-campaign__year", "-submitted_at")
    )
