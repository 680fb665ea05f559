"""The agency league table names each agency in the reader's language and shows its
licence, so an agency whose licence expired is never ranked unflagged."""

import datetime
from types import SimpleNamespace

from django.utils import translation

from reporting import tables

YEAR = SimpleNamespace(pk=1, year=2026)
TODAY = datetime.date(2026, 6, 15)


def _card(agency_id, name, name_en, valid_until):
    return {
        "agency_id": agency_id,
        "name": name,
        "name_en": name_en,
        "licence_valid_until": valid_until,
        "rank": agency_id,
        "offers_received": 3,
        "active_clients": 1,
    }


CARDS = [
    _card(
        1, "南京汇泰知识产权代理有限公司", "Nanjing Huitai IP Agency", datetime.date(2026, 6, 14)
    ),
    _card(2, "江苏乐驰知识产权服务有限公司", "", datetime.date(2026, 6, 15)),
]


def _column(table, key):
    index = [column.key for column in table.columns].index(key)
    return [row[index][0] for row in table.display_rows()]


def test_english_readers_see_english_names_and_the_licence_state():
    with translation.override("en"):
        table = tables.scorecards(CARDS, YEAR, today=TODAY)

        assert _column(table, "name") == [
            "Nanjing Huitai IP Agency",
            "江苏乐驰知识产权服务有限公司",
        ]
        assert _column(table, "licence") == ["Expired", "Valid"]


def test_chinese_readers_see_chinese_names_and_licence_state_also_in_exports():
    with translation.override("zh-hans"):
        table = tables.scorecards(CARDS, YEAR, today=TODAY)

        assert _column(table, "name")[0] == "南京汇泰知识产权代理有限公司"
        assert _column(table, "licence") == ["已过期", "有效"]
        assert "执业许可证" in table.headers()
