"""The plan's section II tasks as seeded data and the progress units report on them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.access.org import OrgTree
from engine.errors import InvalidInput, NotFound
from engine.rules.plan_tasks import latest_progress, plan_tasks, record_progress, responsible_units
from engine.store.db import transaction
from engine.store.models import AuditEvent, User

AT = datetime(2024, 10, 1, 2, 0, tzinfo=UTC)


def test_the_seed_holds_the_plans_seven_tasks_with_their_units(db_url: str) -> None:
    with transaction(db_url) as s:
        tasks = plan_tasks(s, 2024)
        tree = OrgTree.load(s)
        assert [t["code"] for t in tasks] == [f"II.{n}" for n in range(1, 8)]
        seventh = tasks[6]
        assert seventh["lead_units"] == ["cong-an"] and seventh["partner_units"] == ["phong-vhtt"]
        assert seventh["due_date"] == "2024-11-20" and "dòng 182-196" in seventh["source"]
        units = {tree.by_id[u].code for u in responsible_units(tree, tasks[1], 2024)}
        # "*": every reporting unit of 2024, the 20 communes and those merged on 1/9/2024
        assert {"phong-vhtt", "van-phong", "xa-xuan-bac", "xa-tra-lu"} <= units
        assert "huyen-xuan-truong" not in units
        assert plan_tasks(s, 2023) == []


def test_progress_is_recorded_audited_and_the_newest_counts(db_url: str) -> None:
    with transaction(db_url) as s:
        tree = OrgTree.load(s)
        police, culture = tree.by_code["cong-an"].id, tree.by_code["phong-vhtt"].id
        user = s.scalar(select(User.id).where(User.username == "cv_vhtt"))
        common = {"year": 2024, "code": "II.7", "user_id": user, "now": AT}
        record_progress(s, unit_id=police, status="dang_thuc_hien", note="Đợt 1", **common)
        record_progress(s, unit_id=police, status="hoan_thanh", note="Xong", **common)
        record_progress(s, unit_id=culture, status="chua_bat_dau", note="", **common)
        with pytest.raises(InvalidInput):  # II.7 is not Phòng Tư pháp's
            record_progress(
                s, unit_id=tree.by_code["phong-tu-phap"].id, status="hoan_thanh", note="", **common
            )
        with pytest.raises(InvalidInput):
            record_progress(s, unit_id=police, status="xong", note="", **common)
        with pytest.raises(NotFound):
            record_progress(
                s, **{**common, "code": "II.9"}, unit_id=police, status="hoan_thanh", note=""
            )
    with transaction(db_url) as s:
        found = latest_progress(s, 2024)
        assert found[("II.7", police)]["status"] == "hoan_thanh"
        assert found[("II.7", police)]["reported_by"] == "cv_vhtt"
        assert found[("II.7", culture)]["status"] == "chua_bat_dau"
        assert set(latest_progress(s, 2024, [culture])) == {("II.7", culture)}
        events = s.scalars(select(AuditEvent).where(AuditEvent.command == "plan_progress"))
        assert [e.payload["status"] for e in events] == [
            "dang_thuc_hien", "hoan_thanh", "chua_bat_dau"
        ]  # fmt: skip
