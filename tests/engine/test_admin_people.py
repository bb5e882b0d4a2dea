"""People administration (issue 19, items 1, 2, 6): users and role holdings over time,
changed by an administrator through `pf.people`, each change audited in the global log.

The suite's clock reads 2/6/2025 (xã Xuân Ninh in force until 30/6/2025); P3 starts at
NOW (1/10/2024) and gives every reporting unit a task, xã Xuân Ninh's among them."""

from datetime import date, datetime, timedelta

import pytest

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from engine.facade import LOCAL_TIME, Policyflow, utcnow
from tests.conftest import NOW

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
NEW = {"username": "xa_ninh_moi", "full_name": "Phạm Văn Mới", "position": "Công chức VH-XH",
       "email": "moi@example.vn", "phone": "0912 345 678"}  # fmt: skip
ROLE = {"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2025-01-01"}


def today() -> date:
    """The engine's local date (the suite's clock: 2/6/2025)."""
    return _local(utcnow())


def _local(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def commands(pf: Policyflow) -> list[str]:
    return [e["command"] for e in pf.audit.admin_events("admin", per_page=200)["items"]]


def new_officer(pf: Policyflow) -> tuple[str, int]:
    """The new user with don_vi in xã Xuân Ninh; (one-time password, holding id)."""
    created = pf.people.create("admin", NEW, reason="tuyển dụng")
    granted = pf.people.grant("admin", NEW["username"], ROLE, reason="phân công")
    return created["one_time_password"], granted["holding"]["id"]


def test_a_new_officer_sees_their_communes_work_and_nothing_else(deployed: Policyflow) -> None:
    password, _ = new_officer(deployed)
    assert deployed.accounts.authenticate(NEW["username"], password)["username"] == NEW["username"]
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    mine = deployed.tasks(NEW["username"])
    assert [t["unit"] for t in mine] == ["xa-xuan-ninh"]
    assert [t["id"] for t in mine] == [t["id"] for t in deployed.tasks("xa_xuanninh")]
    [bac] = deployed.tasks("xa_xuanbac")
    with pytest.raises(NotFound):
        deployed.task(bac["id"], NEW["username"])
    record = deployed.people.get("admin", NEW["username"])
    assert record["active"] and record["email"] == "moi@example.vn"
    assert [(h["role"], h["unit"], h["in_force"]) for h in record["holdings"]] == [
        ("don_vi", "xa-xuan-ninh", True)
    ]
    found = deployed.people.search("admin", q="mới", unit="xa-xuan-ninh", role="don_vi")
    assert [u["username"] for u in found["items"]] == [NEW["username"]]
    assert deployed.people.search("admin", q="MOI")["total"] == 1
    assert "one_time_password" not in str(deployed.audit.admin_events("admin")["items"])
    assert commands(deployed)[:2] == ["role_grant", "user_create"]


def test_ending_the_role_returns_the_claim_and_access_ends_that_day(
    deployed: Policyflow, every_instance_replays: None
) -> None:
    _, holding = new_officer(deployed)
    p3 = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)["id"]
    [task] = deployed.tasks(NEW["username"])
    deployed.claim(task["id"], NEW["username"])
    # Ended tomorrow: nothing released yet, they act today.
    tomorrow = today() + timedelta(days=1)
    ended = deployed.people.end_holding("admin", holding, tomorrow.isoformat(), reason="chuyển")
    assert ended["released"] == [] and ended["holding"]["valid_to"] == today().isoformat()
    assert deployed.task(task["id"], "admin")["claimed_by"] == NEW["username"]
    assert deployed.people.release_lapsed() == []
    # The next day the daily job gives the claim back; they no longer see the work.
    released = deployed.people.release_lapsed(on=tomorrow)
    assert [(r["task_id"], r["username"]) for r in released] == [(task["id"], NEW["username"])]
    assert deployed.task(task["id"], "admin")["claimed_by"] is None
    after = datetime.combine(tomorrow, datetime.min.time(), LOCAL_TIME) + timedelta(hours=9)
    with pytest.raises((NotFound, PermissionDenied)):
        deployed.claim(task["id"], NEW["username"], now=after)
    history = deployed.history(p3, "admin")
    assert [(e["command"], e["actor"]) for e in history][-1] == ("unclaim", "system")


def test_ending_a_role_today_releases_at_once(deployed: Policyflow) -> None:
    _, holding = new_officer(deployed)
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    [task] = deployed.tasks(NEW["username"])
    deployed.claim(task["id"], NEW["username"])
    ended = deployed.people.end_holding("admin", holding, today())
    assert [r["task_id"] for r in ended["released"]] == [task["id"]]
    assert deployed.tasks(NEW["username"]) == []
    assert deployed.task(task["id"], "xa_xuanninh")["claimed_by"] is None
    with pytest.raises(Conflict):  # already ended
        deployed.people.end_holding("admin", holding, today())
    with pytest.raises(InvalidInput) as err:
        deployed.people.end_holding("admin", holding, "2024-12-31")  # before its first day
    assert "on" in err.value.field_errors
    assert commands(deployed)[0] == "role_end"
    assert deployed.audit.verify_log()["intact"]


def test_deactivating_mid_case_returns_claims_and_ends_access(deployed: Policyflow) -> None:
    password, _ = new_officer(deployed)
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    token = deployed.accounts.issue_token(NEW["username"], password)["token"]
    [task] = deployed.tasks(NEW["username"])
    deployed.claim(task["id"], NEW["username"])
    done = deployed.people.deactivate("admin", NEW["username"], reason="nghỉ hưu")
    assert not done["user"]["active"] and [r["task_id"] for r in done["released"]] == [task["id"]]
    assert deployed.task(task["id"], "xa_xuanninh")["claimed_by"] is None
    with pytest.raises(InvalidInput):
        deployed.accounts.authenticate(NEW["username"], password)
    with pytest.raises((PermissionDenied, NotFound)):
        deployed.accounts.user_for_token(token)
    with pytest.raises(Conflict):
        deployed.people.deactivate("admin", NEW["username"])
    with pytest.raises(Conflict):
        deployed.people.deactivate("admin", "admin")  # not oneself
    # History keeps their name: the claim is theirs in the log.
    event = deployed.audit.admin_events("admin")["items"][0]
    assert event["command"] == "user_deactivate"
    assert event["payload"]["before"]["active"] and not event["payload"]["after"]["active"]
    assert event["payload"]["reason"] == "nghỉ hưu"
    assert deployed.audit.verify_log()["intact"]


def test_reset_password_ends_old_sessions_and_tokens(pf: Policyflow) -> None:
    signed = pf.accounts.authenticate("xa_xuanninh", "demo")
    token = pf.accounts.issue_token("xa_xuanninh", "demo")["token"]
    reset = pf.people.reset_password("admin", "xa_xuanninh", reason="quên mật khẩu")
    with pytest.raises(PermissionDenied):
        pf.accounts.session_user("xa_xuanninh", signed["session_version"])
    with pytest.raises(PermissionDenied):
        pf.accounts.user_for_token(token)
    with pytest.raises(InvalidInput):
        pf.accounts.authenticate("xa_xuanninh", "demo")
    again = pf.accounts.authenticate("xa_xuanninh", reset["one_time_password"])
    assert again["session_version"] > signed["session_version"]
    assert commands(pf)[0] == "password_reset"


def test_unlock_lifts_a_lockout_audited(pf: Policyflow) -> None:
    for _ in range(5):
        with pytest.raises(InvalidInput):
            pf.accounts.authenticate("xa_xuanninh", "sai")
    with pytest.raises(PermissionDenied):
        pf.accounts.authenticate("xa_xuanninh", "demo")
    assert pf.people.unlock("admin", "xa_xuanninh")["failures_forgotten"] == 5
    assert pf.accounts.authenticate("xa_xuanninh", "demo")["username"] == "xa_xuanninh"
    assert commands(pf)[0] == "user_unlock"
    assert pf.audit.verify_log()["intact"]


def test_edit_changes_only_what_is_given_and_is_audited(pf: Policyflow) -> None:
    new_officer(pf)
    edited = pf.people.update("admin", NEW["username"], {"position": "Phó Chủ tịch UBND xã"})
    assert edited["position"] == "Phó Chủ tịch UBND xã" and edited["full_name"] == NEW["full_name"]
    event = pf.audit.admin_events("admin")["items"][0]
    assert event["command"] == "user_update"
    assert event["payload"]["before"]["position"] == NEW["position"]
    assert event["payload"]["after"]["position"] == "Phó Chủ tịch UBND xã"
    before = len(commands(pf))
    pf.people.update("admin", NEW["username"], {"position": "Phó Chủ tịch UBND xã"})
    assert len(commands(pf)) == before  # nothing changed, nothing recorded


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"username": "Có Dấu", "full_name": "A"}, "username"),
        ({"username": "ok_name"}, "full_name"),
        ({"username": "ok_name", "full_name": "A", "email": "not-mail"}, "email"),
        ({"username": "ok_name", "full_name": "A", "phone": "abc"}, "phone"),
        ({"username": "ok_name", "full_name": "A" * 201}, "full_name"),
        ({"username": "ok_name", "full_name": "A\x00"}, "full_name"),
        ({"username": "ok_name", "full_name": "A", "colour": "red"}, "colour"),
        ({"username": "ok_name", "full_name": "A", "is_admin": "yes"}, "is_admin"),
    ],
)
def test_invalid_users_are_refused_and_never_stored(
    pf: Policyflow, fields: dict, wrong: str
) -> None:
    before = pf.people.search("admin")["total"]
    with pytest.raises(InvalidInput) as err:
        pf.people.create("admin", fields)
    assert wrong in err.value.field_errors
    assert pf.people.search("admin")["total"] == before


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"role": "no_such_role", "unit": "xa-xuan-ninh", "from": "2025-01-01"}, "role"),
        ({"role": "don_vi", "unit": "no-such-unit", "from": "2025-01-01"}, "unit"),
        ({"role": "don_vi", "unit": "xa-xuan-ninh"}, "from"),
        ({"role": "don_vi", "unit": "xa-xuan-ninh", "from": "20250101"}, "from"),
        (
            {"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2025-03-01", "to": "2025-02-01"},
            "to",
        ),
        ({"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2025-08-01"}, "from"),  # ended by then
    ],
)
def test_invalid_grants_are_refused(pf: Policyflow, fields: dict, wrong: str) -> None:
    new_officer(pf)
    with pytest.raises(InvalidInput) as err:
        pf.people.grant("admin", NEW["username"], fields)
    assert wrong in err.value.field_errors
    assert len(pf.people.get("admin", NEW["username"])["holdings"]) == 1


def test_a_taken_username_or_an_overlapping_holding_is_a_conflict(pf: Policyflow) -> None:
    new_officer(pf)
    with pytest.raises(Conflict):
        pf.people.create("admin", {"username": "admin", "full_name": "A"})
    with pytest.raises(Conflict):
        pf.people.grant("admin", NEW["username"], {**ROLE, "from": "2025-03-01"})
    assert len(pf.people.get("admin", NEW["username"])["holdings"]) == 1


def test_only_administrators_administer_people(pf: Policyflow) -> None:
    calls = [
        lambda who: pf.people.search(who),
        lambda who: pf.people.get(who, "admin"),
        lambda who: pf.people.create(who, NEW),
        lambda who: pf.people.update(who, "admin", {"full_name": "X"}),
        lambda who: pf.people.deactivate(who, "xa_xuanbac"),
        lambda who: pf.people.reset_password(who, "xa_xuanbac"),
        lambda who: pf.people.unlock(who, "xa_xuanbac"),
        lambda who: pf.people.grant(who, "xa_xuanbac", ROLE),
        lambda who: pf.people.end_holding(who, 1, "2025-06-02"),
        lambda who: pf.people.import_csv(who, "username,full_name\nx,X\n"),
        lambda who: pf.people.release_lapsed(actor=who),
    ]
    for call in calls:
        for who in ("xa_xuanninh", "ct_ubnd", "kiem_toan"):
            with pytest.raises(PermissionDenied):
                call(who)
    assert commands(pf) == []


CSV = """username,full_name,position,email,phone,role,unit,from,to
xa_ninh_moi,Phạm Văn Mới,Công chức,moi@example.vn,,don_vi,xa-xuan-ninh,2025-01-01,
xa_ninh_moi,Phạm Văn Mới,,,,thu_truong_don_vi,xa-xuan-ninh,2025-01-01,2025-06-30
xa_xuanninh,Lê Thị Ninh,Công chức Văn hóa - Xã hội,,,,,,
"""


def test_csv_import_dry_run_then_for_real(deployed: Policyflow) -> None:
    dry = deployed.people.import_csv("admin", CSV, dry_run=True)
    assert dry["dry_run"] and dry["one_time_passwords"] == {}
    assert dry["counts"] == {"users": 2, "holdings": 2}
    assert dry["changes"][0] == "+ user xa_ninh_moi (Phạm Văn Mới)"
    assert any(c.startswith("~ user xa_xuanninh: full_name") for c in dry["changes"])
    with pytest.raises(NotFound):
        deployed.people.get("admin", "xa_ninh_moi")
    assert commands(deployed) == []
    done = deployed.people.import_csv("admin", CSV)
    assert done["changes"] == dry["changes"] and set(done["one_time_passwords"]) == {"xa_ninh_moi"}
    password = done["one_time_passwords"]["xa_ninh_moi"]
    assert deployed.accounts.authenticate("xa_ninh_moi", password)["username"] == "xa_ninh_moi"
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    assert [t["unit"] for t in deployed.tasks("xa_ninh_moi")] == ["xa-xuan-ninh"]
    assert deployed.people.import_csv("admin", CSV)["changes"] == []  # nothing more to do
    assert commands(deployed) == ["user_import"]
    assert deployed.audit.verify_log()["intact"]


def test_a_wrong_csv_names_each_wrong_cell_and_stores_nothing(pf: Policyflow) -> None:
    bad = "username,full_name,role,unit,from\nok_a,A,don_vi,xa-xuan-ninh,2025-01-01\nBAD,,x,y,z\n"
    with pytest.raises(InvalidInput) as err:
        pf.people.import_csv("admin", bad)
    assert set(err.value.field_errors) == {
        "row 3: username", "row 3: full_name", "row 3: role", "row 3: unit", "row 3: from"
    }  # fmt: skip
    with pytest.raises(NotFound):
        pf.people.get("admin", "ok_a")
    with pytest.raises(InvalidInput) as err:
        pf.people.import_csv("admin", "user,name\nx,y\n")
    assert "header" in err.value.field_errors
