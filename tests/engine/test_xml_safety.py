"""Untrusted BPMN XML: every entity/DTD/XInclude trick is refused, nothing is fetched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn import xml_safety
from engine.bpmn.xml_safety import BpmnXmlError, parse_bpmn_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SECRET = "policyflow-secret-do-not-read"

VALID = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a modeler -->
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="Defs" targetNamespace="http://policyflow.test">
  <bpmn:process id="tiny" name="Quy trình nhỏ" isExecutable="true">
    <bpmn:startEvent id="Begin"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Work"/>
    <bpmn:scriptTask id="Work">
      <bpmn:script><![CDATA[note = "<!DOCTYPE is only text here>"]]></bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Work" targetRef="Finish"/>
    <bpmn:endEvent id="Finish"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _with_prolog(prolog: str, body: str = "&e;") -> str:
    return (
        f'<?xml version="1.0"?>\n{prolog}\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}">{body}</bpmn:definitions>'
    )


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        _Recorder.requests.append(self.path)
        body = b'<!ENTITY % p "x">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_url() -> Iterator[str]:
    """A local server that records any fetch the parser might make."""
    _Recorder.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/evil.dtd"
    server.shutdown()
    server.server_close()
    assert _Recorder.requests == [], "the parser fetched a URL"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _refused(data: str | bytes, match: str, **kwargs: int) -> BpmnXmlError:
    with pytest.raises(BpmnXmlError, match=match) as caught:
        parse_bpmn_xml(data, **kwargs)
    assert SECRET not in str(caught.value)
    return caught.value


DOCTYPE = "DOCTYPE and ENTITY declarations are not allowed"


def test_xxe_file(secret_file: Path) -> None:
    error = _refused(
        _with_prolog(f'<!DOCTYPE d [<!ENTITY e SYSTEM "file://{secret_file}">]>'), DOCTYPE
    )
    assert "line 2" in str(error)


def test_xxe_http_is_not_fetched(http_url: str) -> None:
    _refused(_with_prolog(f'<!DOCTYPE d [<!ENTITY e SYSTEM "{http_url}">]>'), DOCTYPE)


def test_external_dtd_is_not_fetched(http_url: str) -> None:
    _refused(_with_prolog(f'<!DOCTYPE d SYSTEM "{http_url}">', body=""), DOCTYPE)


def test_parameter_entity(http_url: str) -> None:
    _refused(_with_prolog(f'<!DOCTYPE d [<!ENTITY % p SYSTEM "{http_url}"> %p;]>'), DOCTYPE)


def test_billion_laughs() -> None:
    levels = ['<!ENTITY e0 "lol">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)
    ]
    _refused(_with_prolog(f"<!DOCTYPE d [{''.join(levels)}]>", body="&e9;"), DOCTYPE)


def test_quadratic_blowup() -> None:
    entity = "A" * 50_000
    body = "&e;" * 50_000
    _refused(_with_prolog(f'<!DOCTYPE d [<!ENTITY e "{entity}">]>', body=body), DOCTYPE)


def test_doctype_after_comments_and_processing_instructions() -> None:
    prolog = '<!-- a -->\n<?pi x?>\n<!DOCTYPE d [<!ENTITY e "x">]>'
    _refused(_with_prolog(prolog), DOCTYPE)


def test_undeclared_entity_reference() -> None:
    _refused(_with_prolog("", body="&e;"), r"not well-formed XML \(line 3.*Entity 'e' not defined")


def test_xinclude(secret_file: Path) -> None:
    xi = 'xmlns:xi="http://www.w3.org/2001/XInclude"'
    body = f'<xi:include {xi} href="{secret_file}" parse="text"/>'
    _refused(_with_prolog("", body=body), r"XInclude is not allowed in BPMN files \(line 3\)")


def test_non_xml() -> None:
    _refused("this is not XML at all", r"not well-formed XML \(line 1")
    _refused(b"\x89PNG\r\n\x1a\n\x00\x00", "not valid UTF-8")


def test_truncated() -> None:
    _refused(VALID[: len(VALID) // 2], "not well-formed XML")


@pytest.mark.parametrize("data", ["", b"", "   \n  ", b"\xef\xbb\xbf"])
def test_empty(data: str | bytes) -> None:
    _refused(data, "The BPMN file is empty")


def test_oversize(monkeypatch: pytest.MonkeyPatch) -> None:
    _refused(VALID, r"bytes; the limit is 100 bytes", max_bytes=100)
    big = VALID.replace("<!-- exported by a modeler -->", "<!--" + "x" * 10_485_761 + "-->")
    _refused(big, r"the limit is 10,485,760 bytes")  # 10 MB by default
    monkeypatch.setenv("POLICYFLOW_MAX_BPMN_MB", "1")  # the limit is configurable
    medium = VALID.replace("<!-- exported by a modeler -->", "<!--" + "x" * 1_048_577 + "-->")
    _refused(medium, r"the limit is 1,048,576 bytes")


def test_wrong_root() -> None:
    _refused(
        '<definitions xmlns="http://example.com/not-bpmn"/>',
        "root element must be bpmn:definitions",
    )
    _refused("<html><body/></html>", r"found 'html', line 1")


def test_utf16_is_refused_so_no_doctype_can_hide() -> None:
    hidden = _with_prolog('<!DOCTYPE d [<!ENTITY e "x">]>').encode("utf-16")
    _refused(hidden, "not valid UTF-8")


def test_valid_bpmn_parses_and_feeds_spiff() -> None:
    for data in (VALID, VALID.encode("utf-8"), b"\xef\xbb\xbf" + VALID.encode("utf-8")):
        tree = parse_bpmn_xml(data)
        assert tree.getroot().tag == f"{{{BPMN_NS}}}definitions"
        parser = SpiffBpmnParser()
        parser.add_bpmn_xml(tree, filename="tiny.bpmn")
        spec = parser.get_spec("tiny")
        assert {"Begin", "Work", "Finish"} <= set(spec.task_specs)
        assert spec.task_specs["Work"].script == 'note = "<!DOCTYPE is only text here>"'
    assert tree.docinfo.doctype == ""


def test_the_parser_itself_never_resolves_or_fetches(secret_file: Path, http_url: str) -> None:
    """Second wall: even if a DOCTYPE got past the prolog scan, nothing is read or fetched."""
    xml = _with_prolog(
        f'<!DOCTYPE d [<!ENTITY e SYSTEM "file://{secret_file}"><!ENTITY h SYSTEM "{http_url}">]>',
        body="<a>&e;</a><b>&h;</b>",
    ).encode()
    root = etree.fromstring(xml, xml_safety._parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")
