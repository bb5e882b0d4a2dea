"""Password hashing (issue 18 item 11): argon2id with OWASP's parameters (19 MiB, t=2,
p=1) outside the tests, and a right password whose hash has other parameters is hashed
again at login with the current ones."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from engine.access import accounts
from engine.errors import InvalidInput
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import User


def test_production_parameters_are_owasps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYFLOW_PASSWORD_PROFILE", raising=False)
    hasher = accounts._hasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (19_456, 2, 1)
    assert hasher.type.name == "ID"


def test_a_hash_with_other_parameters_is_renewed_at_login(pf: Policyflow) -> None:
    old = PasswordHasher(time_cost=3, memory_cost=16, parallelism=2).hash("demo")
    with transaction(pf.url) as s:
        user = s.scalar(select(User).where(User.username == "cv_vhtt"))
        assert user is not None
        user.password_hash = old
    assert accounts.needs_rehash(old)
    with pytest.raises(InvalidInput):  # a wrong password changes nothing
        pf.accounts.authenticate("cv_vhtt", "wrong")
    with transaction(pf.url) as s:
        assert s.scalar(select(User.password_hash).where(User.username == "cv_vhtt")) == old
    pf.accounts.authenticate("cv_vhtt", "demo")
    with transaction(pf.url) as s:
        renewed = s.scalar(select(User.password_hash).where(User.username == "cv_vhtt"))
    assert renewed != old and renewed is not None and not accounts.needs_rehash(renewed)
    assert accounts.HASHER.verify(renewed, "demo")
    pf.accounts.authenticate("cv_vhtt", "demo")  # and signing in again keeps it
    with transaction(pf.url) as s:
        assert s.scalar(select(User.password_hash).where(User.username == "cv_vhtt")) == renewed
