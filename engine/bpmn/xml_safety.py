"""Parsing untrusted BPMN XML without entity expansion, DTDs, network or XInclude.

Process owners upload BPMN, so the bytes may carry XXE (external entities
pointing at file:// or http://), entity-expansion bombs (billion laughs,
quadratic blowup) or XInclude.  Every one of those needs a DOCTYPE or an
XInclude element; a BPMN file needs neither, so both are refused outright.
The DOCTYPE is refused *before* libxml2 sees the document (a scan of the
prolog), and the parser is also configured to never resolve or fetch anything.
"""

from __future__ import annotations

import os
import re

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_ROOT_TAG = f"{{{BPMN_NS}}}definitions"
_XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_UTF8_BOM = b"\xef\xbb\xbf"
# Prolog items that may precede the root element: XML declaration / processing
# instructions, comments and whitespace.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_LXML_POSITION = re.compile(r", line \d+, column \d+$")  # already in our message


class BpmnXmlError(ValueError):
    """The uploaded file is not acceptable BPMN XML; the message says why."""


def max_bpmn_bytes() -> int:
    """The largest BPMN accepted: $POLICYFLOW_MAX_BPMN_MB, 10 MB by default (the web API
    refuses a bigger body before reading it)."""
    return int(float(os.environ.get("POLICYFLOW_MAX_BPMN_MB", "10")) * 1024 * 1024)


def parse_bpmn_xml(data: bytes | str, max_bytes: int | None = None) -> etree._ElementTree:
    """Parse BPMN XML safely; raise BpmnXmlError with a clear message otherwise."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    max_bytes = max_bpmn_bytes() if max_bytes is None else max_bytes
    if len(raw) > max_bytes:
        raise BpmnXmlError(f"The BPMN file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes")
    text = _decode(raw)
    if not text.strip():
        raise BpmnXmlError("The BPMN file is empty")
    _refuse_doctype(text)
    tree = _parse(raw)
    _check_tree(tree)
    return tree


def _decode(raw: bytes) -> str:
    # Only UTF-8 is accepted, so the prolog scan sees what libxml2 will see
    # (UTF-16 or UTF-7 could hide a DOCTYPE from a byte scan).
    try:
        return raw.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BpmnXmlError(f"The BPMN file is not valid UTF-8 text (line {line})") from None


def _refuse_doctype(text: str) -> None:
    position = 0
    while True:
        match = _PROLOG_ITEM.match(text, position)
        if match is None:
            break
        position = match.end()
    if text.startswith("<!", position):
        line = text.count("\n", 0, position) + 1
        raise BpmnXmlError(
            f"DOCTYPE and ENTITY declarations are not allowed in BPMN files (line {line})"
        )


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=False,
        recover=False,
    )


def _parse(raw: bytes) -> etree._ElementTree:
    try:
        root = etree.fromstring(raw.removeprefix(_UTF8_BOM), _parser())
    except etree.XMLSyntaxError as error:
        where = f" (line {error.lineno}, column {error.offset})" if error.lineno else ""
        reason = _LXML_POSITION.sub("", error.msg or "syntax error")
        raise BpmnXmlError(f"The BPMN file is not well-formed XML{where}: {reason}") from None
    return root.getroottree()


def _check_tree(tree: etree._ElementTree) -> None:
    if tree.docinfo.doctype:  # unreachable after the prolog scan; kept as a second wall
        raise BpmnXmlError("DOCTYPE and ENTITY declarations are not allowed in BPMN files")
    root = tree.getroot()
    if root.tag != _ROOT_TAG:
        raise BpmnXmlError(
            f"The root element must be bpmn:definitions in namespace {BPMN_NS} "
            f"(found '{root.tag}', line {root.sourceline})"
        )
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise BpmnXmlError(f"Entity references are not allowed (line {element.sourceline})")
        namespace = etree.QName(element).namespace if isinstance(element.tag, str) else None
        if namespace in _XINCLUDE_NAMESPACES:
            raise BpmnXmlError(f"XInclude is not allowed in BPMN files (line {element.sourceline})")
