"""Settings: the configurable rules, each a value in force from a date (a new decree).

Read from a file an administrator edits (data/rules/settings.yaml) and checked by kind
before anything is stored: a bad value is refused with the setting named, never written.
An instance copies the values in force on its start date (Runtime.settings).
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import isodate
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import N_, InvalidInput
from engine.rules.due import WORKING_DAYS
from engine.store.models import Setting, SettingValue

KINDS = ("duration", "deadline", "durations", "date", "text", "symbols")


def value_problem(kind: str, value: Any) -> str | None:
    """Why the value is not one of this kind (None: it is)."""
    if kind == "durations":
        if not isinstance(value, list) or not value:
            return "expected a list of ISO 8601 durations"
        return next((p for v in value if (p := value_problem("duration", v))), None)
    if kind == "text":
        return None if isinstance(value, str) else "expected text"
    if kind == "symbols":  # unit code -> abbreviation (the register's ký hiệu)
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
        )
        return None if ok else "expected a mapping of unit codes to abbreviations"
    if not isinstance(value, str):
        return f"expected text such as PT24H, 5WD or 2024-11-20, not {value!r}"
    if kind == "deadline" and WORKING_DAYS.match(value):
        return None
    if kind in ("duration", "deadline"):
        try:
            isodate.parse_duration(value)
        except (isodate.ISO8601Error, ValueError):
            return f"'{value}' is not an ISO 8601 duration" + (
                " nor N WD" if kind == "deadline" else ""
            )
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return f"'{value}' is not a date (YYYY-MM-DD)"
    return None


def read_settings_file(path: str | Path) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InvalidInput(
            N_("Không đọc được tệp {path}: {error}"), params={"path": str(path), "error": str(err)}
        ) from err
    specs = (
        json.loads(json.dumps(raw, default=str)).get("settings") if isinstance(raw, dict) else None
    )
    if not isinstance(specs, list):
        raise InvalidInput(N_("Tệp quy định phải có danh sách 'settings'."))
    errors: dict[str, list[str]] = {}
    for spec in specs:
        key, kind = spec.get("key"), spec.get("kind", "text")
        if kind not in KINDS:
            errors.setdefault(str(key), []).append(f"unknown kind '{kind}'")
            continue
        for entry in spec.get("values") or []:
            problem = value_problem(kind, entry.get("value"))
            if problem is None and value_problem("date", entry.get("from")) is not None:
                problem = f"'from' must be a date, not {entry.get('from')!r}"
            if problem:
                errors.setdefault(str(key), []).append(problem)
    if errors:
        raise InvalidInput(
            N_("Quy định không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )
    return specs


def import_settings(session: Session, specs: list[dict[str, Any]]) -> int:
    """Add settings and values that are missing (by key and first day); returns how many
    values were added. Existing values are kept: the table is the authority."""
    known = {s.key for s in session.scalars(select(Setting))}
    values = set(session.execute(select(SettingValue.key, SettingValue.valid_from)).tuples())
    added = 0
    for spec in specs:
        if spec["key"] not in known:
            session.add(
                Setting(
                    key=spec["key"],
                    description=spec.get("description", ""),
                    kind=spec.get("kind", "text"),
                )
            )
            session.flush()
        for entry in spec.get("values") or []:
            start = date.fromisoformat(entry["from"])
            if (spec["key"], start) not in values:
                session.add(
                    SettingValue(
                        key=spec["key"],
                        valid_from=start,
                        value=entry["value"],
                        source=entry.get("source", ""),
                    )
                )
                added += 1
    return added
