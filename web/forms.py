"""JSON Schema forms: field descriptions for the template, and typed data from a POST.

`fields()` turns a task's schema (Vietnamese `title`s, `oneOf` choices, formats) into the
list the `macros/form.html` macro renders; `parse()` turns the submitted strings back into
the JSON the schema asks for (integers, numbers, booleans, ISO dates, ISO date-times with
the +07:00 offset, org unit codes, attachment ids) and reports what it could not read, so
the page can be shown again with every typed value kept.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from engine.errors import N_
from web.i18n import VN, _, _n, format_date, format_datetime, format_number, parse_moment

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
    # Shown only when another field's choice is one of some values (JSON Schema if/then/
    # else): {"field": name, "values": [...], "negate": bool, "required": bool}.
    when: dict[str, Any] | None = None


def _if_choice(cond: Any) -> tuple[str, list[str]] | None:
    """The (field, values) an `if` tests: `{"properties": {f: {"const"|"enum": …}}}`."""
    if not isinstance(cond, Mapping):
        return None
    props = cond.get("properties")
    if not isinstance(props, Mapping) or len(props) != 1:
        return None
    [(name, test)] = props.items()
    if not isinstance(test, Mapping):
        return None
    if "const" in test:
        return str(name), [str(test["const"])]
    if isinstance(test.get("enum"), list):
        return str(name), [str(v) for v in test["enum"]]
    return None


def conditions(schema: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Fields that apply to one choice only: those a `then` (or `else`) part requires or
    declares, at the top or in `allOf`, when the `if` tests one field's choice. Such a
    field is shown only when the choice matches, and is required then if the part says
    so. A field the form always requires is never hidden."""
    schema = schema or {}
    always = set(schema.get("required", []))
    props = schema.get("properties", {})
    parts = [schema, *[p for p in schema.get("allOf", []) if isinstance(p, Mapping)]]
    found: dict[str, dict[str, Any]] = {}
    for part in parts:
        test = _if_choice(part.get("if"))
        if test is None:
            continue
        name, values = test
        for branch, negate in (("then", False), ("else", True)):
            sub = part.get(branch)
            if not isinstance(sub, Mapping):
                continue
            needed = set(sub.get("required", []))
            for field_name in [*sub.get("properties", {}), *sorted(needed)]:
                if field_name in always or field_name == name or field_name not in props:
                    continue
                seen = found.setdefault(
                    field_name,
                    {"field": name, "values": [], "negate": negate, "required": False},
                )
                if (seen["field"], seen["negate"]) == (name, negate):
                    # Several parts on one choice (asked for a false report and for a press
                    # request): shown for any of their values.
                    seen["values"] += [v for v in values if v not in seen["values"]]
                if field_name in needed:
                    seen["required"] = True
    return found


def choices(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(o["const"]), str(o.get("title", o["const"]))) for o in spec.get("oneOf", [])]


def widget_of(spec: Mapping[str, Any]) -> str:
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "array":
        items = spec.get("items", {})
        if items.get("format") == "org-unit":
            return "units"
        return "checkboxes" if "oneOf" in items else "lines"
    if fmt == "org-unit":  # a unit picker, whether or not the served oneOf lists the units
        return "unit"
    if fmt == "user":  # a person picked from a role's holders (the served oneOf)
        return "select"
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
    when = conditions(schema)
    found = []
    for name, spec in schema.get("properties", {}).items():
        if filled_by_engine(spec):
            continue
        widget = widget_of(spec)
        options = choices(spec.get("items", {}) if widget == "checkboxes" else spec)
        if widget in ("unit", "units"):  # the served choices (in force, of its kinds)
            served = spec.get("items", {}) if widget == "units" else spec
            options = choices(served) if "oneOf" in served else list(units or [])
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
                # A yes/no box may stay unticked (false is an answer): no asterisk,
                # unless the schema demands a tick (const true).
                required=name in required and (widget != "checkbox" or spec.get("const") is True),
                description=str(spec.get("description", "")),
                value=raw.get(f"{name}__id" if widget == "file" else name, ""),
                values=raw.getlist(name),
                options=options,
                errors=[m for key, msgs in errors.items() if _owns(name, key) for m in msgs],
                attrs=attrs,
                returns=frozenset(v for v, _t in options if v in RETURN_VALUES),
                filename=raw.get(f"{name}__filename", ""),
                when=when.get(name),
            )
        )
    return found


def filled_by_engine(spec: Mapping[str, Any]) -> bool:
    """A field the engine fills from the signing user (`x-from-user`): not shown, not sent."""
    return "x-from-user" in spec


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
    required = set((schema or {}).get("required", []))
    for name, spec in (schema or {}).get("properties", {}).items():
        if filled_by_engine(spec):
            continue
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
        elif name not in required and spec.get("default") == "":
            # An optional text left empty is sent as the form says: "" (nothing to report),
            # so the model's scripts read an empty text, not a missing one.
            data[name] = ""
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


def labels(schemas: Sequence[Mapping[str, Any] | None]) -> dict[str, Mapping[str, Any]]:
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
    if isinstance(value, int) and spec.get("type") in ("integer", "number") and abs(value) >= 10000:
        return format_number(value)  # 12.500.000 in Vietnamese, 12,500,000 in English
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


# Data the engine and the models keep for themselves: never shown to a person.
HIDDEN = frozenset({
    "config", "data_objects", "reporting_units", "reporting_unit", "instance_unit",
    "initiator", "deadline_rule", "deadline_at", "late", "unit_report", "case_record",
    "returned_by",
    # P3's computed moments and working lists (report_due_at and missing_units are shown)
    "month_day", "named_day", "named_text", "last_day", "deadline_text", "close_at",
    "addendum_until", "reminder_1_at", "reminder_2_at", "remind_1", "remind_2",
    "case_figures", "report_defaults", "reported", "missing_reports", "reminder_units",
    "unreported_at_deadline", "addendum",
})  # fmt: skip
HIDDEN_PREFIXES = ("spiff_", "_")
HIDDEN_SUFFIXES = ("_result",)  # service task results (numbers issued, notices sent)

# Values the models compute (no form names them): what they mean to a person.
DERIVED = {
    "response_due": N_("Hạn trả lời"),
    "answer_due_at": N_("Hạn trả lời vụ việc"),
    "assign_due_at": N_("Hạn giao đơn vị cung cấp thông tin"),
    "draft_due_at": N_("Hạn dự thảo, thẩm định nội dung"),
    "escalate_at": N_("Báo cáo lãnh đạo lúc (nếu chưa xong)"),
    "doc_number": N_("Số, ký hiệu văn bản"),
    "authorisation_number": N_("Số, ký hiệu văn bản ủy quyền"),
    "refusal_letter_number": N_("Số, ký hiệu văn bản trả lời từ chối"),
    "escalation_ref": N_("Số, ký hiệu văn bản báo cáo"),
    "team_decision_number": N_("Số quyết định thành lập tổ"),
    "revision_count": N_("Số lần trả lại chỉnh sửa"),
    "unit_reports": N_("Đơn vị đã gửi báo cáo"),
    "report_due_at": N_("Hạn gửi báo cáo"),
    "missing_units": N_("Đơn vị không báo cáo"),
    "late_units": N_("Đơn vị gửi muộn"),
    "totals": N_("Tổng hợp số liệu các đơn vị"),
    "unit_difficulties": N_("Khó khăn, vướng mắc của các đơn vị"),
    "unit_proposals": N_("Đề xuất, kiến nghị của các đơn vị"),
}


@dataclass
class Entry:
    """One line of an instance's data as a page shows it."""

    label: str
    text: str
    href: str = ""  # an attachment's download link
    key: str = ""


def hidden(name: str) -> bool:
    return name in HIDDEN or name.startswith(HIDDEN_PREFIXES) or name.endswith(HIDDEN_SUFFIXES)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def describe_data(
    data: Mapping[str, Any],
    schemas: Sequence[Mapping[str, Any] | None],
    field_labels: Mapping[str, str] | None = None,
    attachments: Sequence[Mapping[str, Any]] | None = None,
    link: Callable[[str], str] | None = None,
    units: Mapping[str, str] | None = None,
) -> tuple[list[Entry], list[Entry]]:
    """(what a person reads, other data by key): fields of every form (titles from the
    engine's `field_labels`, choices and formats from the schemas at hand) and the values
    the models compute, in that order; internal keys are left out, empty values too."""
    specs = labels(schemas)
    titles = {**dict(field_labels or {}), **{n: str(s.get("title", n)) for n, s in specs.items()}}
    files = {str(a["id"]): str(a.get("filename") or a["id"]) for a in attachments or []}
    order = [*specs, *(n for n in field_labels or {} if n not in specs)]
    main: list[Entry] = []
    for name in order:
        if name not in data or hidden(name) or _empty(data[name]):
            continue
        spec = specs.get(name, {})
        value = data[name]
        if spec.get("format") == "attachment" and str(value) in files:
            href = link(str(value)) if link else ""
            main.append(Entry(titles[name], files[str(value)], href, name))
        else:
            text = display(spec, _unit_names(spec, value, units))
            main.append(Entry(titles[name], text, key=name))
    for name, title in DERIVED.items():
        if name in data and not _empty(data[name]) and name not in titles:
            main.append(Entry(_(title), _derived(name, data[name], titles), key=name))
    other = [
        Entry(k, display(None, v), key=k)
        for k, v in sorted(data.items())
        if k not in titles and k not in DERIVED and not hidden(k)
    ]
    return main, other


def _unit_names(spec: Mapping[str, Any], value: Any, units: Mapping[str, str] | None) -> Any:
    """Org unit codes (format org-unit) as the units' names."""
    if not units:
        return value
    if spec.get("format") == "org-unit":
        return units.get(str(value), value)
    if spec.get("items", {}).get("format") == "org-unit" and isinstance(value, list):
        return [units.get(str(v), v) for v in value]
    return value


def _derived(name: str, value: Any, titles: Mapping[str, str]) -> str:
    """A computed value in words: lists one a line, figures under their form titles."""
    if name == "response_due" and isinstance(value, str) and value.endswith("WD"):
        days = value[:-2]
        return _n("{n} ngày làm việc", int(days)) if days.isdigit() else value
    if name == "unit_reports" and isinstance(value, list):
        names = [
            str(r.get("name", r.get("code", ""))) + (" " + _("(muộn)") if r.get("late") else "")
            for r in value
            if isinstance(r, dict)
        ]
        return _n("{n} đơn vị", len(names)) + ": " + ", ".join(names)
    if name == "totals" and isinstance(value, dict):
        return "\n".join(f"{titles.get(k, k)}: {display(None, v)}" for k, v in value.items())
    if name in ("unit_difficulties", "unit_proposals") and isinstance(value, list):
        return "\n".join(
            f"{r.get('unit', '')}: {r.get('text', '')}" if isinstance(r, dict) else str(r)
            for r in value
        )
    return display(None, value)
