"""The payments tests' approved applications."""

from __future__ import annotations

import pytest

from .. import factories


@pytest.fixture
def approved(campaign, xihu, shangcheng):  # type: ignore[no-untyped-def]
    """Six approved applications: four of 西湖区 (one 技师, one 高级技师), two of 上城区; each
    certificate in the HR registry as declared, as for any application the city approved (a hard
    signal blocks 终审 until it is resolved)."""
    levels = ["senior_worker", "senior_worker", "technician", "senior_technician", "senior_worker", "senior_worker"]
    unions = [xihu] * 4 + [shangcheng] * 2
    apps = []
    for level, union in zip(levels, unions, strict=True):
        member = factories.make_member(union=union)
        app = factories.make_registered_application(campaign=campaign, member=member, new_level=level)
        apps.append(app)
    return apps
