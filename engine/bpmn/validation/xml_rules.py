"""Rules on the file as XML: well-formed and safe, BPMN 2.0 schema, ids, what it holds."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import SpiffWorkflow
from lxml import etree

from engine.errors import N_, Message

from ..model_info import NS
from . import BPMN, Problem

_SCHEMA_DIR = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema"
_MAX_SCHEMA_ERRORS = 20
_ID_NAMESPACES = frozenset({BPMN, "http://www.omg.org/spec/BPMN/20100524/DI"})
_CHOREOGRAPHY = ("choreography", "choreographyTask", "subChoreography", "callChoreography")
_CONVERSATION = ("conversation", "subConversation", "callConversation")


# -- well-formed, safe XML --------------------------------------------------------------

_XML_MESSAGES = [
    (
        r"The BPMN file is ([\d,]+) bytes; the limit is ([\d,]+) bytes",
        N_("Tệp BPMN dài {size} byte, vượt giới hạn {limit} byte."),
        ("size", "limit"),
    ),
    (r"The BPMN file is empty", N_("Tệp BPMN trống."), ()),
    (
        r"The BPMN file is not valid UTF-8 text \(line (\d+)\)",
        N_("Tệp BPMN không phải văn bản UTF-8 hợp lệ (dòng {line})."),
        ("line",),
    ),
    (
        r"DOCTYPE and ENTITY declarations are not allowed in BPMN files \(line (\d+)\)",
        N_("Tệp BPMN không được chứa khai báo DOCTYPE hay ENTITY (dòng {line})."),
        ("line",),
    ),
    (
        r"DOCTYPE and ENTITY declarations are not allowed in BPMN files",
        N_("Tệp BPMN không được chứa khai báo DOCTYPE hay ENTITY."),
        (),
    ),
    (
        r"The BPMN file is not well-formed XML \(line (\d+), column (\d+)\): (.*)",
        N_("Tệp BPMN không phải XML hợp lệ (dòng {line}, cột {column}): {detail}"),
        ("line", "column", "detail"),
    ),
    (
        r"The BPMN file is not well-formed XML: (.*)",
        N_("Tệp BPMN không phải XML hợp lệ: {detail}"),
        ("detail",),
    ),
    (
        r"The root element must be .* \(found '(.*)', line (\d+)\)",
        N_("Phần tử gốc phải là bpmn:definitions của BPMN 2.0 (gặp '{found}', dòng {line})."),
        ("found", "line"),
    ),
    (
        r"Entity references are not allowed \(line (\d+)\)",
        N_("Tệp BPMN không được dùng tham chiếu thực thể (entity) (dòng {line})."),
        ("line",),
    ),
    (
        r"XInclude is not allowed in BPMN files \(line (\d+)\)",
        N_("Tệp BPMN không được dùng XInclude (dòng {line})."),
        ("line",),
    ),
]


def _xml_problem(text: str) -> Problem:
    line = re.search(r"\(line (\d+)", text)
    for pattern, template, names in _XML_MESSAGES:
        if match := re.fullmatch(pattern, text, re.DOTALL):
            message = Message(template, dict(zip(names, match.groups(), strict=True)))
            break
    else:
        message = Message(N_("Tệp BPMN không đọc được: {text}"), {"text": text})
    return Problem(None, message, "error", "xml", int(line.group(1)) if line else None, text)


# -- XML Schema ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    """BPMN 2.0 XSD as shipped in SpiffWorkflow; its imports are local files, no network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(_SCHEMA_DIR / "BPMN20.xsd"), parser))


def _schema_problems(tree: etree._ElementTree) -> list[Problem]:
    schema = _schema()
    if schema.validate(tree):
        return []
    by_line: dict[int, etree._Element] = {}
    for element in tree.getroot().iter(etree.Element):
        by_line.setdefault(element.sourceline, element)
    problems = []
    for error in list(schema.error_log)[:_MAX_SCHEMA_ERRORS]:
        if "xs:ID" in error.message and "Duplicate" in error.message:
            continue  # the duplicate-id rule names it better
        text = re.sub(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}", "bpmn:", error.message)
        problems.append(
            Problem(
                _id_at(by_line.get(error.line)),
                Message(
                    N_("Không đúng lược đồ BPMN 2.0 (dòng {line}): {text}"),
                    {"line": error.line, "text": text},
                ),
                "error",
                "schema",
                error.line,
            )
        )
    return problems


def _id_at(element: etree._Element | None) -> str | None:
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return element.get("id") if element is not None else None


def _duplicate_ids(tree: etree._ElementTree) -> list[Problem]:
    """Ids of BPMN and diagram elements (extension elements' own `id`s are not element ids)."""
    lines: dict[str, list[int]] = defaultdict(list)
    for element in tree.getroot().iter(etree.Element):
        if etree.QName(element).namespace not in _ID_NAMESPACES:
            continue
        if (eid := element.get("id")) is not None:
            lines[eid].append(element.sourceline)
    return [
        Problem(
            eid,
            Message(
                N_(
                    "Mã phần tử '{id}' bị trùng ({n} lần, dòng {lines}); "
                    "mỗi phần tử cần một mã riêng."
                ),
                {"id": eid, "n": len(at), "lines": ", ".join(map(str, at))},
            ),
            "error",
            "duplicate-id",
            at[1],
        )
        for eid, at in lines.items()
        if len(at) > 1
    ]


def _foreign_elements(tree: etree._ElementTree) -> list[Problem]:
    """Diagram kinds the engine cannot run: choreographies (error), conversations (ignored)."""
    problems = []
    for kinds, severity, note in (
        (_CHOREOGRAPHY, "error", N_("công cụ không chạy được sơ đồ phối hợp (choreography)")),
        (_CONVERSATION, "warning", N_("công cụ bỏ qua sơ đồ hội thoại (conversation)")),
    ):
        for node in tree.getroot().iter(*(f"{{{BPMN}}}{kind}" for kind in kinds)):
            kind = etree.QName(node).localname
            problems.append(
                Problem(
                    node.get("id"),
                    Message(
                        N_("Phần tử {kind} '{name}' không được hỗ trợ: {note}."),
                        {
                            "kind": kind,
                            "name": node.get("name") or node.get("id"),
                            "note": Message(note),
                        },
                    ),
                    severity,  # type: ignore[arg-type]
                    "unsupported-element",
                    node.sourceline,
                )
            )
    return problems


def _executable_count(tree: etree._ElementTree, count: int) -> Problem:
    legacy = (
        'The file must hold exactly one executable process (isExecutable="true"); '
        f"it holds {count}."
    )
    if count == 0:
        first = tree.getroot().find("bpmn:process", NS)
        return Problem(
            first.get("id") if first is not None else None,
            Message(
                N_(
                    "Tệp không có quy trình nào được đánh dấu thực thi được "
                    '(isExecutable="true"); cần đúng một quy trình như vậy.'
                )
            ),
            "error",
            "no-executable-process",
            legacy=legacy,
        )
    return Problem(
        None,
        Message(
            N_('Tệp có {n} quy trình thực thi được (isExecutable="true"); chỉ được có đúng một.'),
            {"n": count},
        ),
        "error",
        "several-executable-processes",
        legacy=legacy,
    )
