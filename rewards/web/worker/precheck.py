"""The typed fields of the application form checked before the photos are sent (decision 70)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from rewards.core import clock
from rewards.eligibility.fields import SUBMISSION_FIELDS, clean_annex3
from rewards.registries.selectors import member_by_id_hash

from . import session
from .forms import ApplyForm, BankFixForm
from .pages import field_errors_answer


def signed_out_answer(request: HttpRequest) -> JsonResponse:
    """What the page's script shows when the sign-in has ended while the form was open: the
    form, its typed fields and its photos stay on the page, and nothing is sent."""
    return JsonResponse(
        {
            "ok": False,
            "signed_out": True,
            "message": "登录已失效（超过30分钟未操作会自动退出），本次没有提交。您填写的内容和选择的照片仍保留在本页："
            "请点击“重新登录”，在新打开的页面完成登录后，回到本页再次点击提交。",
            "signin": reverse("worker:signin") + "?next=" + reverse("worker:mine"),
        },
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_GET
def alive(request: HttpRequest) -> HttpResponse:
    """Called by the form's script while the worker types or chooses photos (at most every few
    minutes): a signed-in worker's session is kept (the 30 idle minutes start again, as on any
    page), and the script learns when it has ended."""
    if session.signed_in(request) is None:
        return signed_out_answer(request)
    return JsonResponse({"ok": True})


@never_cache
@require_POST
def precheck(request: HttpRequest) -> HttpResponse:
    """The typed fields checked before the photos go (worker.js calls it on 提交): a typo is
    shown at once, on the same page, and the chosen photos stay chosen. Advisory only: the
    submission checks everything again. ``mode=apply`` checks what the application would
    (required fields included, name and ID from the registry); ``mode=edit`` checks only the
    fields typed (a correction keeps what it leaves empty). Writes nothing. Signed out (the
    session ended while the form was open): 401 and what to do, so that nothing is sent."""
    id_hash = session.signed_in(request)
    if id_hash is None:
        return signed_out_answer(request)
    member = member_by_id_hash(id_hash)
    editing = request.POST.get("mode") == "edit"
    form = BankFixForm(request.POST) if request.POST.get("bank_only") == "1" else ApplyForm(request.POST, editing=editing)
    data: dict[str, Any] = form.values()
    if editing:
        data = {name: value for name, value in data.items() if value}
    elif member is not None:
        data.update(name=member.name, id_number=member.id_number, phone=data.get("phone") or member.phone)
    _, errors = clean_annex3(data, today=clock.today(), required=() if editing else SUBMISSION_FIELDS)
    if not errors:
        return JsonResponse({"ok": True})
    return field_errors_answer(form, errors)
