"""Demo data for the programme pages: non-generic occupation declarations of 西湖区 and 上城区 in
every state (made before the declaration deadline, decided by the economic department) and a few
training plan lines with progress, all through the real services. Only on a database that has
neither yet."""

from __future__ import annotations

import datetime as dt

from rewards.campaigns.declarations import declaration_deadline, occupation_declaration_decide, occupation_declare
from rewards.campaigns.models import Campaign, OccupationDeclaration
from rewards.core import clock
from rewards.organisations.models import StaffUser
from rewards.training.models import TrainingPlan
from rewards.training.services import training_plan_create, training_plan_update

#: (reviewer, occupation, reason, decision, opinion); 茶艺师 is among the demo certificates'
#: occupations, so 西湖区 members holding an industry-authority 茶艺师 certificate become eligible.
DECLARATIONS = [
    ("xihu.reviewer", "茶艺师", "西湖龙井茶产业和茶文化旅游职工多，相关证书由国家行业主管部门核发。", "approve", "同意备案。"),
    ("xihu.reviewer", "无人机驾驶员", "辖区无人机研发、航拍和植保企业集聚，持证职工约300人。", "", ""),
    (
        "xihu.reviewer",
        "网络与信息安全管理员",
        "数字经济重点产业急需网络安全技能人才。",
        "reject",
        "该职业已有人社部门核发的职业技能等级证书，不属于非通用性职业，按人社部门证书申报即可。",
    ),
    ("shangcheng.reviewer", "中式面点师", "老字号餐饮企业集中，面点技艺传承需要高技能人才。", "approve", "同意备案。"),
    ("shangcheng.reviewer", "调酒师", "辖区酒店、酒吧等服务业职工技能提升需求。", "", ""),
]
#: (reviewer, occupation, level, mode, planned, budget, trained, certified, spent)
PLANS = [
    ("xihu.reviewer", "数控车工", "technician", "online", 40, "120000", 32, 25, "86000"),
    ("xihu.reviewer", "茶艺师", "senior_worker", "both", 60, "80000", 45, 38, "52000"),
    ("xihu.reviewer", "电子商务师", "senior_worker", "online", 80, "60000", 20, 0, "15000"),
    ("shangcheng.reviewer", "中式烹调师", "senior_worker", "offline", 50, "100000", 50, 41, "98000"),
    ("shangcheng.reviewer", "养老护理员", "technician", "both", 30, "45000", 0, 0, "0"),
]


def seed_programme(campaign: Campaign) -> None:
    staff = {user.username: user for user in StaffUser.objects.filter(username__in=["xihu.reviewer", "shangcheng.reviewer", "economic"])}
    if len(staff) < 3:
        return
    if not OccupationDeclaration.objects.filter(campaign=campaign).exists():
        declared_on = declaration_deadline(campaign) - dt.timedelta(days=12)
        for username, occupation, reason, decision, opinion in DECLARATIONS:
            declaration = occupation_declare(
                user=staff[username], occupation=occupation, reason=reason, campaign=campaign, today=declared_on
            )
            if decision:
                occupation_declaration_decide(user=staff["economic"], declaration_id=declaration.pk, decision=decision, opinion=opinion)
            # Dated as the demo tells it (declared before the deadline, decided a few days later),
            # not on the real day the demo was seeded; the audit log keeps the real time.
            at = dt.datetime.combine(declared_on, dt.time(10, 0), tzinfo=clock.SHANGHAI)
            OccupationDeclaration.objects.filter(pk=declaration.pk).update(
                created_at=at, decided_at=(at + dt.timedelta(days=5)) if decision else None
            )
    if not TrainingPlan.objects.filter(campaign=campaign).exists():
        for index, (username, occupation, level, mode, planned, budget, trained, certified, spent) in enumerate(PLANS):
            user = staff[username]
            data = {
                "year": campaign.year,
                "occupation": occupation,
                "level": level,
                "mode": mode,
                "planned_trainees": planned,
                "budget": budget,
            }
            plan = training_plan_create(user=user, data=data)
            progressed = bool(trained or spent != "0")
            if progressed:
                training_plan_update(user=user, plan_id=plan.pk, data={"trained": trained, "certified": certified, "spent": spent})
            # Dated before the demo's business day, as the declarations are (the page's 更新 column
            # showed the real day of seeding, years after it); the audit log keeps the real time.
            today = clock.today()
            created = dt.datetime.combine(today - dt.timedelta(days=40), dt.time(9, 30), tzinfo=clock.SHANGHAI)
            updated = dt.datetime.combine(today - dt.timedelta(days=2 + index), dt.time(16, 0), tzinfo=clock.SHANGHAI)
            TrainingPlan.objects.filter(pk=plan.pk).update(created_at=created, updated_at=updated if progressed else created)
