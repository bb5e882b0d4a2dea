"""The spokesperson register (issue 16 item 4; Nghị định 09/2017/NĐ-CP Điều 2 and 7): the
seed, a designation by the Văn phòng (audited, never overwriting), the publication job
(the public register changes only once it ran; twice publishes once), the history on past
dates, and P1 routing the spokesperson's steps to the person in force."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import Conflict, InvalidInput, PermissionDenied
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import AuditEvent, Job, SpokespersonPublication
from tasks import jobs
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tests.conftest import NOW
from tests.processes import REGISTER, Case, handle_request, press_start, statement_through

DISTRICT = "huyen-xuan-truong"
REASON = "Chủ tịch đi công tác dài"
DEPUTY = {
    "full_name": "Phạm Văn Đức",
    "position": "Phó Chủ tịch UBND huyện",
    "phone": "0228 3886 456",
    "email": "pct_ubnd@xuantruong.namdinh.gov.vn",
    "source": "Quyết định số 12/QĐ-UBND (thử nghiệm)",
}


def senders(folder: Path) -> Senders:
    return Senders(mail=FolderMailer(folder / "mail"), publish=FolderPublisher(folder / "portal"))


def names(register: dict) -> dict[str, str]:
    return {e["unit"]: e["full_name"] for e in register["entries"]}


def designate_deputy(pf: Policyflow, first: date, actor: str = "vp_ubnd") -> dict:
    return pf.spokespersons.designate(
        actor, DISTRICT, DEPUTY, first, username="pct_ubnd", reason=REASON, now=NOW
    )


def test_the_seed_names_the_district_chairman_then_the_four_communes(pf: Policyflow) -> None:
    in_2024 = pf.spokespersons.register(date(2024, 10, 15))
    assert names(in_2024) == {DISTRICT: "Vũ Quang Hưng"}
    assert in_2024["entries"][0]["username"] == "ct_ubnd"
    after = pf.spokespersons.register(date(2025, 7, 2))
    assert sorted(names(after)) == [
        "nb-xa-xuan-giang",
        "nb-xa-xuan-hong",
        "nb-xa-xuan-hung",
        "nb-xa-xuan-truong",
    ]
    unverified = [e["unit"] for e in after["entries"] if not e["verified"]]
    assert len(unverified) == 4  # demo people and unknown names are marked as such
    assert all(e["published"] and e["source"] for e in after["entries"])


def test_a_designation_is_audited_and_public_only_once_its_job_ran(
    pf: Policyflow, tmp_path: Path
) -> None:
    change = designate_deputy(pf, date(2024, 10, 10))
    assert change["before"] is not None and change["before"]["username"] == "ct_ubnd"
    assert change["entry"]["username"] == "pct_ubnd" and not change["entry"]["published"]

    with transaction(pf.url) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.command == "spokesperson_set")).one()
        job = s.get(Job, change["job"])
        assert job is not None and job.kind == "publish_spokespersons"
    assert event.actor == "vp_ubnd" and event.instance_id is None
    assert event.payload["after"]["full_name"] == "Phạm Văn Đức"
    assert event.payload["reason"] == REASON

    day = date(2024, 10, 15)
    assert names(pf.spokespersons.register(day)) == {DISTRICT: "Vũ Quang Hưng"}  # not yet
    assert names(pf.spokespersons.register(day, published_only=False)) == {DISTRICT: "Phạm Văn Đức"}

    out = senders(tmp_path)
    assert jobs.run(pf, change["job"], out, NOW) == "published"
    assert names(pf.spokespersons.register(day)) == {DISTRICT: "Phạm Văn Đức"}
    page = json.loads((tmp_path / "portal" / f"page-{change['job']}.json").read_text())
    assert page["register"]["newly_published"] == 1
    # Run again (a redelivered job): nothing more is written.
    assert jobs.run(pf, change["job"], out, NOW) == "skipped"
    assert pf.spokespersons.publish(change["job"], NOW)["newly_published"] == 0
    with transaction(pf.url) as s:
        published = s.scalars(
            select(SpokespersonPublication).where(SpokespersonPublication.job_id != 0)
        ).all()
    assert len(published) == 1


def test_history_keeps_every_row_and_past_dates_show_who_was_in_force(
    pf: Policyflow, tmp_path: Path
) -> None:
    change = designate_deputy(pf, date(2024, 10, 10))
    jobs.run(pf, change["job"], senders(tmp_path), NOW)
    assert names(pf.spokespersons.register(date(2024, 10, 9))) == {DISTRICT: "Vũ Quang Hưng"}
    assert names(pf.spokespersons.register(date(2024, 10, 10))) == {DISTRICT: "Phạm Văn Đức"}
    history = pf.spokespersons.history(DISTRICT)["entries"]
    assert [(e["full_name"], e["valid_from"], e["valid_to"]) for e in history] == [
        ("Vũ Quang Hưng", "2024-01-01", "2024-10-09"),  # closed by the next row, not edited
        ("Phạm Văn Đức", "2024-10-10", "2025-06-30"),  # the district's last day
    ]
    assert DISTRICT not in names(pf.spokespersons.register(date(2025, 7, 1)))


def test_only_the_van_phong_or_an_administrator_keeps_the_register(pf: Policyflow) -> None:
    for outsider in ("cv_vhtt", "xa_xuanbac", "ct_ubnd"):
        with pytest.raises(PermissionDenied):
            designate_deputy(pf, date(2024, 10, 10), actor=outsider)
    assert designate_deputy(pf, date(2024, 10, 10), actor="admin")["entry"]["id"]
    assert [b["code"] for b in pf.spokespersons.bodies("vp_ubnd")] == [DISTRICT]
    assert pf.spokespersons.bodies("cv_vhtt") == []
    with pytest.raises(InvalidInput):  # a department is not a body with a spokesperson
        pf.spokespersons.designate("vp_ubnd", "phong-vhtt", DEPUTY, date(2024, 10, 10), now=NOW)
    with pytest.raises(Conflict):  # the district has ended by then
        pf.spokespersons.designate("admin", DISTRICT, DEPUTY, date(2025, 7, 1), now=NOW)
    with pytest.raises(InvalidInput):
        pf.spokespersons.designate(
            "vp_ubnd",
            DISTRICT,
            {**DEPUTY, "email": "không-phải-email"},
            date(2024, 10, 10),
            now=NOW,
        )


def _finish(case: Case, spokesperson: str) -> None:
    handle_request(case, spokesperson=spokesperson)
    statement_through(case, spokesperson=spokesperson)
    assert case.status() == "completed"
    case.assert_audited()


def test_p1_routes_the_spokesperson_steps_to_the_person_in_force(
    deployed: Policyflow, tmp_path: Path
) -> None:
    before = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    before.act("cv_vhtt", "Register", REGISTER)
    assert before.data()["spokesperson"]["username"] == "ct_ubnd"
    assert before.task("ct_ubnd", "Request_facts")["claimed_by"] == "ct_ubnd"

    change = designate_deputy(deployed, NOW.date())
    jobs.run(deployed, change["job"], senders(tmp_path), NOW)
    after = Case.start(
        deployed, "press_statement", "cv_vhtt", press_start(), NOW + timedelta(minutes=5)
    )
    after.act("cv_vhtt", "Register", REGISTER)
    assert after.data()["spokesperson"]["username"] == "pct_ubnd"
    assert after.task("pct_ubnd", "Request_facts")["claimed_by"] == "pct_ubnd"
    # The case started before the change keeps its spokesperson.
    assert before.task("ct_ubnd", "Request_facts")["claimed_by"] == "ct_ubnd"
    _finish(before, "ct_ubnd")
    _finish(after, "pct_ubnd")
    assert after.data()["spokesperson"]["full_name"] == "Phạm Văn Đức"
