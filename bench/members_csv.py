"""A large member-registry CSV of synthetic people (API.md ``import_members`` columns)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from rewards.campaigns.notice_2020 import ANNEX1_UNITS
from rewards.demo import synthetic

HEADER = ["id_number", "name", "phone", "union", "grassroots_union", "employer", "verified"]
SEED = 20_200_100

#: A few grassroots unions, each always under the same district/industry union.
GRASSROOTS = {
    "萧山区总工会": ["杭州萧山基准机电有限公司工会", "杭州湘湖基准纺织有限公司工会"],
    "余杭区总工会": ["杭州余杭基准新材料有限公司工会"],
    "工业工会": ["杭州基准重型机械有限公司工会"],
    "建设工会": ["杭州基准市政建设有限公司工会"],
    "钱塘新区区总工会": ["杭州钱塘基准生物医药有限公司工会"],
}


def write_members_csv(path: Path, *, rows: int, seed: int = SEED) -> Path:
    """Writes ``rows`` distinct members: every union of Annex 1, a quarter of them in a
    grassroots union, one in twenty not yet verified. The same seed gives the same file."""
    rng = random.Random(seed)
    unions = [name for name, _ in ANNEX1_UNITS]
    seen: set[str] = set()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        written = 0
        while written < rows:
            id_number = synthetic.id_number(rng)
            if id_number in seen:
                continue
            seen.add(id_number)
            union = unions[written % len(unions)]
            grassroots = ""
            if written % 4 == 0 and union in GRASSROOTS:
                grassroots = rng.choice(GRASSROOTS[union])
            employer = grassroots.removesuffix("工会") if grassroots else f"杭州第{rng.randrange(1, 500)}制造有限公司"
            verified = 0 if written % 20 == 7 else 1
            writer.writerow([id_number, synthetic.person_name(rng), synthetic.mobile(rng), union, grassroots, employer, verified])
            written += 1
    return path
