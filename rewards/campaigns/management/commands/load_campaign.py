from typing import Any

from django.core.management.base import CommandError

from rewards.campaigns.selectors import YEAR_MESSAGE, parse_year
from rewards.campaigns.services import KNOWN_NOTICES, campaign_load_notice
from rewards.core.commands import ChineseCommand
from rewards.core.errors import InvalidInput


class Command(ChineseCommand):
    help = "载入已发布的年度通知（参数、市总工会、附件1的工会及指导数），可重复执行"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", help="年度（四位数字），例如 2020")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = parse_year(options["year"])  # the one check of a year (decision 268)
        except InvalidInput as exc:
            raise CommandError(YEAR_MESSAGE) from exc
        if year is None:
            raise CommandError("请指定年度（四位数字），例如：load_campaign 2020。")
        if year not in KNOWN_NOTICES:
            known = "、".join(str(y) for y in sorted(KNOWN_NOTICES))
            raise CommandError(f"没有 {year} 年度的通知数据（已有：{known}）。新年度请在“年度奖励活动”中复制上一年度后修改。")
        campaign, changed = campaign_load_notice(year=year)
        units = campaign.units.count()
        total = sum(campaign.units.values_list("guidance", flat=True))
        state = "已载入" if changed else "已是最新，未作改动"
        self.stdout.write(f"{campaign.year} 年度奖励活动{state}：{units} 个区县（市）/产业工会，指导数合计 {total}。")
