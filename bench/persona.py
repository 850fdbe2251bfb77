"""Prints the Annex 3 JSON body of a fully eligible seeded member (run inside a workspace).

``python -m bench.persona [ID_NUMBER …]`` with the workspace's environment: the ID numbers are
the self-check members that ``seed_demo`` printed; without them, the first member with a
counted certificate of the main window is taken. The registries hold the personal numbers
encrypted, so this runs in Django with the workspace's keys.
"""

from __future__ import annotations

import json
import os
import random
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()

    from rewards.campaigns.selectors import require_current_campaign
    from rewards.core import validators
    from rewards.demo import synthetic
    from rewards.eligibility.selectors import id_hash_of
    from rewards.registries.models import Certificate, Member

    campaign = require_current_campaign()
    certificates = Certificate.objects.filter(
        issuer__in=campaign.counted_issuers,
        level__in=("senior_worker", "technician", "senior_technician"),
        issue_date__range=(campaign.main_window_start, campaign.main_window_end),
    ).order_by("pk")
    if argv:
        certificates = certificates.filter(id_hash__in=[id_hash_of(number) for number in argv])
    for certificate in certificates[:200]:
        member = Member.objects.select_related("union").filter(id_hash=certificate.id_hash, verified=True).first()
        if member is None or member.name != certificate.name:
            continue
        rng = random.Random(certificate.pk)
        body = {
            "name": member.name,
            "gender": validators.id_facts(certificate.id_number).gender,
            "education": "大专",
            "occupation": certificate.occupation,
            "new_level": certificate.level,
            "certificate_no": certificate.certificate_no,
            "certificate_issue_date": certificate.issue_date.isoformat(),
            "issuer": certificate.issuer,
            "id_number": certificate.id_number,
            "phone": member.phone or synthetic.mobile(rng),
            "bank_card_no": synthetic.bank_card(rng),
            "bank_branch": synthetic.BANK_BRANCHES[0],
            "employer": member.employer or "杭州第一制造有限公司",
            "is_migrant": True,
            "hukou_place": "安徽省安庆市",
            "years_in_hangzhou": 6,
            "union": member.union.name,
        }
        print(json.dumps(body, ensure_ascii=False))
        return 0
    print("no eligible seeded member found", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
