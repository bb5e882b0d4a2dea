"""JSON Schema forms: field descriptions for the template, and typed data from a POST.

`fields()` turns a task's schema (Vietnamese `title`s, `oneOf` choices, formats) into the
list the `macros/form.html` macro renders; `parse()` turns the submitted strings back into
the JSON the schema asks for (integers, numbers, booleans, ISO dates, ISO date-times with
the +07:00 offset, org unit codes, attachment ids) and reports what it could not read, so
the page can be shown again with every typed value kept.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from web.i18n import VN, _, format_date, format_datetime, parse_moment

Raw = MultiDict[str, str]
Uploader = Callable[[FileStorage], str]
RETURN_VALUES = frozenset({"return", "not_corrected", "refuse"})


@dataclass
class Field:
    name: str
    label: str
    widget: str  # text textarea url date datetime integer number radio select checkbox
    #              checkboxes unit units lines file
    required: bool = False
    description: str = ""
    value: str = ""
    values: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    returns: frozenset[str] = frozenset()  # choices that send the work back for revision
    filename: str = ""  # an attachment uploaded by an earlier try of this form


def choices(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(o["const"]), str(o.get("title", o["const"]))) for o in spec.get("oneOf", [])]


def widget_of(spec: Mapping[str, Any]) -> str:
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "array":
        items = spec.get("items", {})
        if items.get("format") == "org-unit":
            return "units"
        return "checkboxes" if "oneOf" in items else "lines"
    if "oneOf" in spec:
        return "radio" if len(spec["oneOf"]) <= 4 else "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return kind
    special = {
        "date": "date",
        "date-time": "datetime",
        "org-unit": "unit",
        "attachment": "file",
        "uri": "url",
    }
    if fmt in special:
        return special[fmt]
    return "textarea" if spec.get("x-widget") == "textarea" else "text"


def to_raw(spec: Mapping[str, Any], value: Any) -> list[str]:
    """A stored JSON value as the strings its input shows."""
    if value is None:
        return []
    widget = widget_of(spec)
    if isinstance(value, list):
        return ["\n".join(map(str, value))] if widget == "lines" else [str(v) for v in value]
    if widget == "checkbox":
        return ["on"] if value else []
    if widget == "datetime":
        moment = parse_moment(value)
        return [moment.astimezone(VN).strftime("%Y-%m-%dT%H:%M")] if moment else [str(value)]
    return [str(value)]


def initial(schema: Mapping[str, Any] | None, data: Mapping[str, Any] | None = None) -> Raw:
    """The raw values a fresh form shows: the data given, else the schema's defaults."""
    raw: Raw = MultiDict()
    for name, spec in (schema or {}).get("properties", {}).items():
        value = (data or {}).get(name, spec.get("default"))
        for item in to_raw(spec, value):
            raw.add(name, item)
    return raw


def fields(
    schema: Mapping[str, Any] | None,
    raw: Raw,
    errors: Mapping[str, list[str]] | None = None,
    units: list[tuple[str, str]] | None = None,
) -> list[Field]:
    schema = schema or {}
    required = set(schema.get("required", []))
    errors = errors or {}
    found = []
    for name, spec in schema.get("properties", {}).items():
        widget = widget_of(spec)
        options = choices(spec.get("items", {}) if widget == "checkboxes" else spec)
        if widget in ("unit", "units"):
            options = list(units or [])
        attrs = {
            k: spec[key]
            for key, k in (("minimum", "min"), ("maximum", "max"), ("maxLength", "maxlength"))
            if key in spec
        }
        if widget == "number":
            attrs["step"] = "any"
        found.append(
            Field(
                name=name,
                label=str(spec.get("title", name)),
                widget=widget,
                required=name in required,
                description=str(spec.get("description", "")),
                value=raw.get(f"{name}__id" if widget == "file" else name, ""),
                values=raw.getlist(name),
                options=options,
                errors=[m for key, msgs in errors.items() if _owns(name, key) for m in msgs],
                attrs=attrs,
                returns=frozenset(v for v, _t in options if v in RETURN_VALUES),
                filename=raw.get(f"{name}__filename", ""),
            )
        )
    return found


def _owns(name: str, key: str) -> bool:
    return key == name or key.startswith(f"{name}.")


def parse(
    schema: Mapping[str, Any] | None,
    form: Raw,
    files: Mapping[str, FileStorage] | None = None,
    upload: Uploader | None = None,
) -> tuple[dict[str, Any], Raw, dict[str, list[str]]]:
    """(typed data, raw values to show again, errors of values that could not be read)."""
    data: dict[str, Any] = {}
    raw: Raw = MultiDict()
    errors: dict[str, list[str]] = {}
    for name, spec in (schema or {}).get("properties", {}).items():
        widget = widget_of(spec)
        if widget == "file":
            _attachment(name, form, files or {}, upload, data, raw)
            continue
        values = [v.strip() if widget != "textarea" else v for v in form.getlist(name)]
        for item in values:
            raw.add(name, item)
        try:
            value = _typed(spec, widget, values)
        except ValueError as err:
            errors[name] = [str(err)]
            continue
        if value is not None:
            data[name] = value
    return data, raw, errors


def _typed(spec: Mapping[str, Any], widget: str, values: list[str]) -> Any:
    if widget == "checkbox":
        return bool(values and values[0])
    if widget in ("checkboxes", "units", "lines"):  # ticked boxes, or one value a line
        picked = [line.strip() for v in values for line in v.splitlines() if line.strip()]
        return picked or None
    text = values[0] if values else ""
    if text.strip() == "":
        return None
    if widget == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("Cần một số nguyên.")) from None
    if widget == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(_("Cần một số.")) from None
        return int(number) if number.is_integer() else number
    if widget == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Cần một ngày (dd/mm/yyyy).")) from None
    if widget == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Cần ngày và giờ (dd/mm/yyyy HH:MM).")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VN)
        return moment.isoformat()
    return text


def _attachment(
    name: str,
    form: Raw,
    files: Mapping[str, FileStorage],
    upload: Uploader | None,
    data: dict[str, Any],
    raw: Raw,
) -> None:
    """A new file is uploaded now; otherwise the id kept from an earlier try stays."""
    file = files.get(name)
    if file is not None and file.filename and upload is not None:
        data[name] = upload(file)
        raw.add(f"{name}__id", data[name])
        raw.add(f"{name}__filename", file.filename)
    elif form.get(f"{name}__id"):
        data[name] = form[f"{name}__id"]
        raw.add(f"{name}__id", data[name])
        raw.add(f"{name}__filename", form.get(f"{name}__filename", ""))


# -- showing an instance's data read-only ---------------------------------------------


def labels(schemas: list[Mapping[str, Any] | None]) -> dict[str, Mapping[str, Any]]:
    """Field name → its schema, from every form given (the first one naming it wins)."""
    found: dict[str, Mapping[str, Any]] = {}
    for schema in schemas:
        for name, spec in (schema or {}).get("properties", {}).items():
            found.setdefault(name, spec)
    return found


def display(spec: Mapping[str, Any] | None, value: Any) -> str:
    """A stored value as a person reads it: choice titles, local dates, Có/Không."""
    spec = spec or {}
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, list):
        item = spec.get("items", {})
        return ", ".join(display(item, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {display(None, v)}" for k, v in value.items())
    titles = dict(choices(spec))
    if str(value) in titles:
        return titles[str(value)]
    if spec.get("format") == "date-time" or (isinstance(value, str) and _is_moment(value)):
        return format_datetime(value)
    if spec.get("format") == "date":
        return format_date(value)
    return "" if value is None else str(value)


def _is_moment(value: str) -> bool:
    return (
        len(value) >= 16
        and value[4] == "-"
        and value[10] == "T"
        and parse_moment(value) is not None
    )


def describe_data(
    data: Mapping[str, Any], schemas: list[Mapping[str, Any] | None]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(labelled fields in form order, other data by key) as (label, text) pairs."""
    specs = labels(schemas)
    known = [(str(s.get("title", n)), display(s, data[n])) for n, s in specs.items() if n in data]
    other = [(k, display(None, v)) for k, v in sorted(data.items()) if k not in specs]
    return known, other
