"""What every payment operation checks first: the caller is a finance officer, and the batch
exists (locked when it is to change)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rewards.core.errors import Forbidden, NotFound
from rewards.organisations.models import Role

from .models import PaymentBatch

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

#: Rows read or written at a time by the operations on 100 000 lines.
CHUNK = 5000


def _require_finance(user: StaffUser) -> None:
    if user.role != Role.FINANCE_OFFICER:
        raise Forbidden("只有市总工会财务人员可以办理奖励核发。")


def _batch(batch_no: str, *, lock: bool = False) -> PaymentBatch:
    queryset = PaymentBatch.objects.select_related("campaign", "built_by")
    if lock:
        queryset = queryset.select_for_update(of=("self",))  # not the campaign's row: a build takes that (decision 251)
    batch = queryset.filter(batch_no=batch_no).first()
    if batch is None:
        raise NotFound("没有找到该核发批次。")
    return batch
