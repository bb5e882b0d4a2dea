"""Org units in force on a date, role scoping, working days around Vietnamese holidays."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine.access.org import OrgTree, can_act, get_user, reach_of, task_scope
from engine.rules.calendar import WorkCalendar
from engine.seed import seed_demo
from engine.store.db import transaction
from engine.store.models import User


def test_seed_is_idempotent(db_url: str) -> None:
    with transaction(db_url) as s:
        again = seed_demo(s, password="demo")
    assert set(again.values()) == {0}
    with transaction(db_url) as s:
        tree = OrgTree.load(s)
        communes = [u for u in tree.by_id.values() if u.kind == "commune"]
        assert len(communes) == 20 + 3 + 4  # 2024, the new ones of 1/9/2024, of 1/7/2025
        assert s.scalars(select(User).where(User.username == "admin")).unique().one().is_admin


def test_commune_officers_reach_only_their_commune(db_url: str) -> None:
    on = date(2024, 10, 1)
    with transaction(db_url) as s:
        tree = OrgTree.load(s)
        users = {name: get_user(s, name, on) for name in DEMO}
        lu_task = task_scope(tree, tree.unit("phong-vhtt").id, "xa-tra-lu", on)
        district_task = task_scope(tree, tree.unit("phong-vhtt").id, None, on)
        assert district_task == (tree.unit("huyen-xuan-truong").id, "administration")
        assert can_act(tree, users["xa_xuanbac"], "don_vi", *lu_task)
        assert not can_act(tree, users["xa_xuanninh"], "don_vi", *lu_task)
        assert not can_act(tree, users["cv_vhtt"], "don_vi", *lu_task)
        assert can_act(tree, users["cv_vhtt"], "chuyen_vien_vhtt", *district_task)
        assert can_act(tree, users["ct_ubnd"], "lanh_dao_ubnd", *district_task)
        assert can_act(tree, users["pct_ubnd"], "lanh_dao_ubnd", *district_task)
        assert not can_act(tree, users["pct_ubnd"], "chu_tich", *district_task)
        assert not can_act(tree, users["xa_xuanbac"], "lanh_dao_ubnd", *district_task)
        assert [r.role_key for r in reach_of(tree, users["xa_xuanbac"])] == [
            "don_vi",
            "thu_truong_don_vi",
        ]


DEMO = ("xa_xuanbac", "xa_xuanninh", "cv_vhtt", "ct_ubnd", "pct_ubnd")


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2024, 2, 7), 1, date(2024, 2, 15)),  # Tết 2024: 8–14/2 off
        (date(2024, 4, 26), 1, date(2024, 5, 2)),  # 27/4–1/5 off (29/4 substitute day)
        (date(2024, 5, 3), 1, date(2024, 5, 4)),  # Saturday 4/5/2024 is a make-up workday
        (date(2024, 8, 30), 1, date(2024, 9, 4)),  # 2/9 and 3/9 off
        (date(2025, 1, 24), 1, date(2025, 2, 3)),  # Tết 2025: 25/1–2/2 off
        (date(2024, 11, 15), 3, date(2024, 11, 20)),  # plain weekend
        (date(2024, 11, 20), 0, date(2024, 11, 20)),
    ],
)
def test_working_days_follow_the_calendar(
    db_url: str, start: date, days: int, expected: date
) -> None:
    with transaction(db_url) as s:
        calendar = WorkCalendar.load(s)
    assert calendar.add_working_days(start, days) == expected


def test_deadline_is_end_of_the_local_working_day(db_url: str) -> None:
    with transaction(db_url) as s:
        calendar = WorkCalendar.load(s)
    # Friday 15/11/2024 16:00 in Hà Nội: 1 working day → Monday 18/11, 23:59:59 local.
    moment = datetime(2024, 11, 15, 9, 0, tzinfo=UTC)
    assert calendar.deadline_after(moment, 1) == datetime(2024, 11, 18, 16, 59, 59, tzinfo=UTC)
