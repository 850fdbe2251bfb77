"""The 2020 notice (杭总工办〔2020〕号) as data: what ``load_campaign 2020`` writes.

Source: shared/spec/notice-2020.txt and its reading in DOMAIN.md §2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

CITY_UNION = "杭州市总工会"

CAMPAIGN = {
    "year": 2020,
    "title": "关于做好2020年度杭州市职工高技能人才培训和奖励工作的通知",
    "document_no": "杭总工办〔2020〕号",
    "opens_on": dt.date(2020, 3, 26),
    "application_deadline": dt.date(2020, 12, 15),
    "resubmission_grace_days": 15,
    "main_window_start": dt.date(2019, 12, 1),
    "main_window_end": dt.date(2020, 11, 30),
    "makeup_window_start": dt.date(2018, 12, 1),
    "makeup_window_end": dt.date(2019, 11, 30),
    "previous_year": 2019,
    "declaration_deadline": dt.date(2020, 8, 30),
    "declaration_limit": 3,
    "counted_issuers": ["hr_zhejiang", "hr_hangzhou", "hr_district"],
    "occupation_issuers": ["industry_authority"],
    "retention_years": 5,
}

#: 奖励标准 (notice 二（三）1).
LEVEL_AMOUNTS = {
    "senior_worker": Decimal("500.00"),
    "technician": Decimal("600.00"),
    "senior_technician": Decimal("800.00"),
}

#: 附件1 任务分解表, in the annex's order; the guidance numbers add up to 8000.
ANNEX1_UNITS = [
    ("工业工会", 460),
    ("旅贸工会", 400),
    ("建设工会", 460),
    ("经信工会", 100),
    ("金融工会", 20),
    ("宣文卫工会", 20),
    ("教育工会", 20),
    ("发改农林工会", 30),
    ("政法工会", 20),
    ("市级机关工会", 20),
    ("上城区总工会", 300),
    ("下城区总工会", 300),
    ("江干区总工会", 300),
    ("拱墅区总工会", 300),
    ("西湖区总工会", 300),
    ("高新区（滨江）总工会", 700),
    ("萧山区总工会", 900),
    ("余杭区总工会", 1000),
    ("富阳区总工会", 450),
    ("临安区总工会", 600),
    ("桐庐区总工会", 100),
    ("淳安区总工会", 100),
    ("建德区总工会", 100),
    ("钱塘新区区总工会", 1000),
]
GUIDANCE_TOTAL = 8000
