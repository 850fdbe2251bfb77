"""When a campaign's personal data expires (SECURITY.md 16; docs/decisions.md "Retention").

A campaign closes on the later of its application deadline plus the resubmission grace and the
day of its last business: the last entry in an application's history, the last step of a payment
batch, the last bank result or reversal (a failed payment may be corrected long after the
deadline). Its personal data is kept ``retention_years`` after that day, that last day included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max

from rewards.applications.models import ApplicationEvent
from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.payments.models import LineStatus, PaymentBatch, PaymentLine

#: Lines that still wait for the bank (the bank file and its results need the card and name).
AWAITING_BANK = (LineStatus.BUILT, LineStatus.APPROVED, LineStatus.SENT)


@dataclass(frozen=True)
class RetentionPlan:
    campaign: Campaign
    closed_on: dt.date
    retained_until: dt.date
    today: dt.date
    awaiting_bank: int

    @property
    def expired(self) -> bool:
        return self.today > self.retained_until

    @property
    def due(self) -> bool:
        """Expired and nothing left to pay: the purge may run."""
        return self.expired and not self.awaiting_bank


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def closed_on(campaign: Campaign) -> dt.date:
    """活动结束日: see the module's docstring."""
    days = [campaign.application_deadline + dt.timedelta(days=campaign.resubmission_grace_days)]
    stamps = [ApplicationEvent.objects.filter(application__campaign=campaign).aggregate(last=Max("at"))["last"]]
    stamps += (
        PaymentBatch.objects.filter(campaign=campaign)
        .aggregate(Max("built_at"), Max("approved_at"), Max("sent_at"), Max("cancelled_at"))
        .values()
    )
    stamps += PaymentLine.objects.filter(batch__campaign=campaign).aggregate(Max("result_at"), Max("reversed_at")).values()
    days += [stamp.astimezone(clock.SHANGHAI).date() for stamp in stamps if stamp is not None]
    return max(days)


def retention_plan(campaign: Campaign, *, today: dt.date) -> RetentionPlan:
    closed = closed_on(campaign)
    return RetentionPlan(
        campaign=campaign,
        closed_on=closed,
        retained_until=add_years(closed, campaign.retention_years),
        today=today,
        awaiting_bank=PaymentLine.objects.filter(batch__campaign=campaign, status__in=AWAITING_BANK).count(),
    )
