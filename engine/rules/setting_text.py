"""Texts that name what a setting says: agencies as data with dates.

A form field may carry `"x-default-setting": "{press_authority}; Lưu: VT, VHTT"`: its
served `default` is that text with each `{key}` replaced by the instance's setting of
that key (the value in force on the instance's start date, as its `config` copied it).
A task's instructions may name settings the same way. So "Sở Thông tin và Truyền thông
tỉnh Nam Định" is written once, in data/rules/settings.yaml with the dates it held the
press portfolio, not in every form and model; a case opened in 2024 keeps the agency of
2024. Only text settings fill a placeholder; any other `{…}` is left as written.
"""

import copy
import re
from typing import Any

DEFAULT_SETTING = "x-default-setting"
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill(text: str, settings: dict[str, Any]) -> str:
    """`text` with each `{key}` of a text setting replaced by its value."""

    def value(match: re.Match[str]) -> str:
        found = settings.get(match.group(1))
        return found if isinstance(found, str) else match.group(0)

    return PLACEHOLDER.sub(value, text)


def with_setting_defaults(schema: Any, settings: dict[str, Any]) -> Any:
    """The schema with each `x-default-setting` field's `default` filled in (a copy)."""
    if not isinstance(schema, dict):
        return schema
    props = schema.get("properties")
    if not isinstance(props, dict) or not any(
        isinstance(p, dict) and isinstance(p.get(DEFAULT_SETTING), str) for p in props.values()
    ):
        return schema
    served = copy.deepcopy(schema)
    for prop in served["properties"].values():
        if isinstance(prop, dict) and isinstance(prop.get(DEFAULT_SETTING), str):
            prop["default"] = fill(prop[DEFAULT_SETTING], settings)
    return served


def setting_problem(schema: Any) -> str | None:
    """Why a form's `x-default-setting` is unusable (not text, or on a non-text field)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    for name, prop in (props or {}).items():
        if not isinstance(prop, dict) or DEFAULT_SETTING not in prop:
            continue
        if not isinstance(prop[DEFAULT_SETTING], str) or prop.get("type") != "string":
            return f"'{name}': {DEFAULT_SETTING} must be a text on a string field"
    return None
