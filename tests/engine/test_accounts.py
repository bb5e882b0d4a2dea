"""Issue 12, items 6 and 7: sessions end server-side, and lockouts are per (account,
address) with a per-address cap, lifted by an admin and recorded as account events."""

import pytest
from sqlalchemy import select

from engine.access import throttle
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models.accounts import AccountEvent

A, B = "203.0.113.7", "198.51.100.20"


def fail(pf: Policyflow, username: str, address: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidInput):
            pf.accounts.authenticate(username, "wrong-password", address)


def events(pf: Policyflow) -> list[tuple[str, str | None, str | None, str | None]]:
    with transaction(pf.url) as s:
        rows = s.scalars(select(AccountEvent).order_by(AccountEvent.id))
        return [(e.kind, e.username, e.address, e.actor) for e in rows]


def test_a_flood_from_one_address_does_not_lock_the_account_elsewhere(pf: Policyflow) -> None:
    fail(pf, "ct_ubnd", A, throttle.MAX_FAILURES)
    with pytest.raises(PermissionDenied):  # from A, even the right password waits
        pf.accounts.authenticate("ct_ubnd", "demo", A)
    assert pf.accounts.authenticate("ct_ubnd", "demo", B)["username"] == "ct_ubnd"
    assert pf.accounts.authenticate("pct_ubnd", "demo", A)["username"] == "pct_ubnd"
    with pytest.raises(PermissionDenied):  # the chairman's own success did not unlock A
        pf.accounts.authenticate("ct_ubnd", "demo", A)
    assert events(pf) == [("locked", "ct_ubnd", A, None)]


def test_one_address_is_capped_across_accounts(pf: Policyflow) -> None:
    names = ["cv_vhtt", "tp_vhtt", "vp_ubnd", "van_thu", "cong_an", "tu_phap", "tt_vhtttt"]
    left = throttle.ADDRESS_CAP
    for name in names:  # fewer than MAX_FAILURES each: no account is locked
        times = min(throttle.MAX_FAILURES - 1, left)
        fail(pf, name, A, times)
        left -= times
    fail(pf, "nobody-at-all", A, left)  # unknown names count too
    with pytest.raises(PermissionDenied) as refused:  # any account, from A
        pf.accounts.authenticate("xa_xuanbac", "demo", A)
    assert "địa chỉ này" in str(refused.value)
    assert pf.accounts.authenticate("cv_vhtt", "demo", B)["username"] == "cv_vhtt"
    assert ("address_blocked", None, A, None) in events(pf)


def test_an_admin_unlocks_and_others_cannot(pf: Policyflow) -> None:
    fail(pf, "ct_ubnd", A, throttle.MAX_FAILURES)
    [locked] = pf.accounts.lockouts("admin")
    assert (locked["username"], locked["address"], locked["failures"]) == ("ct_ubnd", A, 5)
    with pytest.raises(PermissionDenied):
        pf.accounts.unlock("ct_ubnd", "cv_vhtt")
    with pytest.raises(PermissionDenied):
        pf.accounts.lockouts("cv_vhtt")
    with pytest.raises(PermissionDenied):  # still locked: the refused unlock changed nothing
        pf.accounts.authenticate("ct_ubnd", "demo", A)
    with pytest.raises(NotFound):
        pf.accounts.unlock("nobody-at-all", "admin")
    assert pf.accounts.unlock("ct_ubnd", "admin") == throttle.MAX_FAILURES
    assert pf.accounts.lockouts("admin") == []
    assert pf.accounts.authenticate("ct_ubnd", "demo", A)["username"] == "ct_ubnd"
    assert events(pf) == [("locked", "ct_ubnd", A, None), ("unlocked", "ct_ubnd", None, "admin")]


def test_logout_and_a_password_change_end_the_sessions(pf: Policyflow) -> None:
    first = pf.accounts.authenticate("cong_an", "demo", A)["session_version"]
    assert pf.accounts.session_user("cong_an", first)["username"] == "cong_an"
    pf.accounts.sign_out("cong_an")
    with pytest.raises(PermissionDenied):
        pf.accounts.session_user("cong_an", first)
    second = pf.accounts.authenticate("cong_an", "demo", A)["session_version"]
    assert second == first + 1
    token = pf.accounts.issue_token("cong_an", "demo", A)["token"]
    third = pf.accounts.change_password("cong_an", "demo", "long-enough-1", A)
    assert third == second + 1
    with pytest.raises(PermissionDenied):
        pf.accounts.session_user("cong_an", second)
    with pytest.raises(PermissionDenied):  # and the API tokens (kept from before)
        pf.accounts.user_for_token(token)
    assert pf.accounts.session_user("cong_an", third)["username"] == "cong_an"
