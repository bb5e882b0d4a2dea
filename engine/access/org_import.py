"""The org timeline as a file an administrator edits and re-imports (data/org/*.yaml).

Units with their first and last days and successors, roles (and the groups they are part
of), people and the roles they hold in units over time. The file is checked whole before
anything is written: its shape against a JSON Schema, then every reference (a parent, a
successor, a holding's role and unit) and every date range. Importing adds and updates,
never deletes: a unit or a holding ends by its last day, so history keeps its names. The
demo seed is this same import. Each import that changes something is an audit event.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.accounts import HASHER
from engine.audit import chain
from engine.enums import AuditCommand
from engine.errors import N_, InvalidInput
from engine.store.models import OrgUnit, Role, RoleAssignment, User

UNIT_KINDS = ["province", "district", "department", "commune"]
MAIL_DOMAIN = "xuantruong.namdinh.gov.vn"  # demo addresses; mail leaves only via SMTP_URL
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"anyOf": [DATE, {"type": "null"}]}
CODE = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["units"],
    "properties": {
        "sources": {"type": "object"},
        "units": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "kind", "valid_from"],
                "properties": {
                    "code": CODE,
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "official_name": {"type": "string"},
                    "kind": {"enum": UNIT_KINDS},
                    "parent": {"anyOf": [CODE, {"type": "null"}]},
                    "valid_from": DATE,
                    "valid_to": NULLABLE_DATE,
                    "successors": {"type": "array", "items": CODE},
                    "reports": {"type": "boolean"},
                    "source": {"type": ["string", "null"]},
                    "verified": {"type": "boolean"},
                    "note": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "roles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "vi", "en"],
                "properties": {
                    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
                    "vi": {"type": "string", "minLength": 1},
                    "en": {"type": "string", "minLength": 1},
                    "member_of": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["username", "full_name"],
                "properties": {
                    "username": {"type": "string", "pattern": "^[a-z0-9_.-]{1,64}$"},
                    "full_name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "position": {"type": "string", "maxLength": 200},
                    "email": {"type": "string", "format": "email"},
                    "phone": {"type": "string", "maxLength": 50},
                    "admin": {"type": "boolean"},
                    "holdings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["role", "unit", "from"],
                            "properties": {
                                "role": {"type": "string"},
                                "unit": CODE,
                                "from": DATE,
                                "to": NULLABLE_DATE,
                            },
                            "additionalProperties": False,
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would change): one line per change."""

    changes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def note(self, kind: str, line: str) -> None:
        self.changes.append(line)
        self.counts[kind] = self.counts.get(kind, 0) + 1


def read_org_file(path: str | Path) -> dict[str, Any]:
    """The file's content, checked whole (InvalidInput listing every problem)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InvalidInput(
            N_("Không đọc được tệp {path}: {error}"), params={"path": str(path), "error": str(err)}
        ) from err
    return checked(json.loads(json.dumps(raw, default=str)))


def checked(data: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for err in Draft202012Validator(SCHEMA).iter_errors(data):
        where = ".".join(str(p) for p in err.absolute_path) or "(tệp)"
        errors.setdefault(where, []).append(err.message)
    if not errors:
        errors = _reference_errors(data)
    if errors:
        raise InvalidInput(
            N_("Tệp tổ chức không hợp lệ ở: {fields}."),
            errors,
            params={"fields": ", ".join(list(errors)[:10])},
        )
    return data


def _reference_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    units = {u["code"]: u for u in data["units"]}
    roles = {r["key"] for r in data.get("roles", [])}
    if len(units) != len(data["units"]):
        errors.setdefault("units", []).append("a unit code appears twice")
    for i, unit in enumerate(data["units"]):
        where = f"units.{i} ({unit['code']})"
        for ref in [unit.get("parent"), *unit.get("successors", [])]:
            if ref is not None and ref not in units:
                errors.setdefault(where, []).append(f"unknown unit '{ref}'")
        if unit.get("valid_to") and unit["valid_to"] < unit["valid_from"]:
            errors.setdefault(where, []).append("valid_to is before valid_from")
    for i, person in enumerate(data.get("people", [])):
        for j, held in enumerate(person.get("holdings", [])):
            where = f"people.{i}.holdings.{j} ({person['username']})"
            if held["unit"] not in units:
                errors.setdefault(where, []).append(f"unknown unit '{held['unit']}'")
            if roles and held["role"] not in roles:
                errors.setdefault(where, []).append(f"unknown role '{held['role']}'")
            if held.get("to") and held["to"] < held["from"]:
                errors.setdefault(where, []).append("to is before from")
    return errors


def import_org(
    session: Session,
    data: dict[str, Any],
    actor: str,
    now: datetime,
    password: str,
    dry_run: bool = False,
) -> ImportReport:
    """Add and update units, roles and people from checked data (read_org_file); new
    people get `password`. A dry run reports the same changes and writes nothing."""
    report = ImportReport()
    with session.no_autoflush:
        _import_roles(session, data.get("roles", []), report)
        units = _import_units(session, data["units"], report)
        _import_people(session, data.get("people", []), units, password, report)
    if dry_run:
        session.rollback()
    elif report.changes:
        payload = {"changes": report.changes[:500], "counts": report.counts}
        chain.append_admin(session, now, actor, AuditCommand.ORG_IMPORT, payload, {})
    return report


def _import_roles(session: Session, roles: list[dict[str, Any]], report: ImportReport) -> None:
    existing = {r.key: r for r in session.scalars(select(Role))}
    for spec in roles:  # groups first: a member names its group by key
        role = existing.get(spec["key"])
        new = role is None
        if role is None:
            role = existing[spec["key"]] = Role(key=spec["key"])
            session.add(role)
            report.note("roles", f"+ role {spec['key']}")
        wanted = {"name_vi": spec["vi"], "name_en": spec["en"], "member_of": spec.get("member_of")}
        _update(role, wanted, f"role {spec['key']}", "roles", report, new)
    session.flush()


def _import_units(
    session: Session, specs: list[dict[str, Any]], report: ImportReport
) -> dict[str, OrgUnit]:
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    new = {spec["code"] for spec in specs} - set(units)
    for spec in specs:
        if spec["code"] in new:
            unit = OrgUnit(code=spec["code"], name=spec["name"], kind=spec["kind"])
            unit.valid_from = date.fromisoformat(spec["valid_from"])
            units[spec["code"]] = unit
            session.add(unit)
            report.note("units", f"+ unit {spec['code']} ({spec['name']})")
    session.flush()  # ids, for parents and successors
    for spec in specs:
        successors = spec.get("successors") or []
        wanted = {
            "name": spec["name"],
            "kind": spec["kind"],
            "parent_id": units[spec["parent"]].id if spec.get("parent") else None,
            "valid_from": date.fromisoformat(spec["valid_from"]),
            "valid_to": date.fromisoformat(spec["valid_to"]) if spec.get("valid_to") else None,
            "successor_id": units[successors[0]].id if successors else None,
            "reports": bool(spec.get("reports", False)),
            "source": (spec.get("source") or "")[:500],
            "verified": bool(spec.get("verified", True)),
        }
        _update(
            units[spec["code"]],
            wanted,
            f"unit {spec['code']}",
            "units",
            report,
            spec["code"] in new,
        )
    session.flush()
    return units


def _import_people(
    session: Session,
    people: list[dict[str, Any]],
    units: dict[str, OrgUnit],
    password: str,
    report: ImportReport,
) -> None:
    # .unique(): a user is loaded with their holdings (a joined eager load)
    users = {u.username: u for u in session.scalars(select(User)).unique()}
    for spec in people:
        user = users.get(spec["username"])
        new = user is None
        if user is None:
            user = User(username=spec["username"], password_hash=HASHER.hash(password))
            session.add(user)
            report.note("people", f"+ user {spec['username']} ({spec['full_name']})")
        wanted = {
            "full_name": spec["full_name"],
            "position": spec.get("position"),
            "email": spec.get("email") or f"{spec['username']}@{MAIL_DOMAIN}",
            "phone": spec.get("phone"),
            "is_admin": bool(spec.get("admin", False)),
        }
        _update(user, wanted, f"user {spec['username']}", "people", report, new)
        _import_holdings(user, spec.get("holdings", []), units, report)
    session.flush()


def _import_holdings(
    user: User, specs: list[dict[str, Any]], units: dict[str, OrgUnit], report: ImportReport
) -> None:
    held = {(h.role_key, h.unit_id, h.valid_from): h for h in user.roles}
    for spec in specs:
        unit = units[spec["unit"]]
        start = date.fromisoformat(spec["from"])
        end = date.fromisoformat(spec["to"]) if spec.get("to") else None
        label = f"holding {user.username} {spec['role']}@{spec['unit']} from {start}"
        holding = held.get((spec["role"], unit.id, start))
        if holding is None:
            user.roles.append(
                RoleAssignment(role_key=spec["role"], unit=unit, valid_from=start, valid_to=end)
            )
            report.note("holdings", f"+ {label}" + (f" to {end}" if end else ""))
        elif holding.valid_to != end:
            report.note("holdings", f"~ {label}: to {holding.valid_to} -> {end}")
            holding.valid_to = end


def _update(
    row: Any, wanted: dict[str, Any], label: str, kind: str, report: ImportReport, new: bool
) -> None:
    """Set the row's fields; report what changed on a row that existed before."""
    changed = [
        f"{k}: {getattr(row, k)!r} -> {v!r}" for k, v in wanted.items() if getattr(row, k) != v
    ]
    for key, value in wanted.items():
        setattr(row, key, value)
    if changed and not new:
        report.note(kind, f"~ {label}: " + "; ".join(changed))
