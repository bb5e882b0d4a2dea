"""The BPMN MIWG reference models through the browser modeler: each (A.*, B.*, C.1.1, C.4.0,
C.8.0) is imported into the real /modeler page by a process owner (window.pfModeler) and
saved back; nothing of the original may be missing from the export, and bpmn-js reports no
import warning. Vietnamese and other Unicode labels survive byte for byte, also from a file
uploaded in ISO-8859-1.

The models are read from the shared conformance folder beside the checkout (tests/miwg.py),
never copied into the project; without them every test here is skipped. One signed-in page
serves the whole module.

What the round trip used to lose, now kept by web/static/modeler.js (`keepOnRoundTrip`):
attributes set to their default value (every A.*/B.*/C.* file: completionQuantity="1"…;
B.2.0's messageVisibleKind="initiating", for which the BPMN schema declares no default), a
CR written as a reference (A.2.1, C.1.1: `name="Gateway&#xD;&#xA;(Split Flow)"`), the shapes
of a called process drawn inside an expanded call activity (B.1.0, B.2.0), and the
ISO-8859-1 declaration made bpmn-js warn (A.1.0–A.4.0, B.*).
"""

import unicodedata
from collections.abc import Iterator

import pytest
from lxml import etree
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, People
from tests.browser.test_browser_modeler import XML_DECLARATION, canonical
from tests.conftest import reset_runtime
from tests.miwg import ABSENT, FILES, read_text
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not FILES, reason=ABSENT)]

# Import warnings bpmn-js may report for a file, each with the reason it is acceptable.
# None today: a file not listed must import without any.
JUSTIFIED_WARNINGS: dict[str, dict[str, str]] = {}

ROUND_TRIP = """async (xml) => { const m = window.pfModeler;
  const r = await m.importXML(xml);
  const out = (await m.saveXML({ format: true })).xml;
  return { xml: out, warnings: (r.warnings || []).map((w) => w.message) }; }"""
SAVE = "async () => (await window.pfModeler.saveXML({ format: true })).xml"

# The labels put on A.1.0's tasks: Vietnamese (composed), the same in decomposed form (it
# must not be normalised), CJK, a check mark, an emoji outside the BMP, and characters the
# XML has to escape, with a line break.
LABELS = {
    "Task 1": "Thẩm định nội dung — ✓ 漢字",
    "Task 2": unicodedata.normalize("NFD", "Phê duyệt — Ủy ban nhân dân huyện Xuân Trường"),
    "Task 3": 'Công bố & "Nam Định" <2024>\n🏛️ α→β',
}
# Labels an ISO-8859-1 file can carry (A.2.0, uploaded as bytes).
LATIN1_LABELS = {"Task 1": "Café Müller", "Task 2": "Ñandú © ½ ß"}


def attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
    )


def relabelled(xml: str, labels: dict[str, str]) -> str:
    for old, new in labels.items():
        assert xml.count(f'name="{old}"') == 1, old
        xml = xml.replace(f'name="{old}"', f'name="{attribute(new)}"')
    return xml


def names(xml: str) -> set[str]:
    root = etree.fromstring(XML_DECLARATION.sub("", xml, count=1).encode("utf-8"))
    return {el.get("name") for el in root.iter() if isinstance(el.tag, str) and el.get("name")}


@pytest.fixture(scope="module")
def modeler_page(browser: Browser, sqlite_url: str) -> Iterator[Page]:
    """One process owner's page on /modeler/new for every test of the module."""
    app = create_app(
        {"DATABASE_URL": reset_runtime(sqlite_url), "SECRET_KEY": "test", "TESTING": True}
    )
    server = LiveServer(app)
    crowd = People(browser, server)
    try:
        page = crowd.login("chu_quy_trinh")
        page.goto("/modeler/new")
        expect(page.locator("#pf-modeler")).to_have_attribute("data-loaded", "true")
        yield page
    finally:
        crowd.close(failed=False, test_name="miwg")
        server.stop()


def round_trip(page: Page, xml: str) -> tuple[str, list[str]]:
    done = page.evaluate(ROUND_TRIP, xml)
    return done["xml"], done["warnings"]


@pytest.mark.parametrize("name", FILES or ["absent"])
def test_the_reference_model_survives_import_and_export(modeler_page: Page, name: str) -> None:
    original = read_text(name)
    exported, warnings = round_trip(modeler_page, original)
    lost = canonical(original) - canonical(exported)
    assert not lost, f"{name} lost {len(lost)}: {sorted(lost)[:5]}"
    justified = JUSTIFIED_WARNINGS.get(name, {})
    unexplained = [w for w in warnings if w not in justified]
    assert unexplained == [], f"{name}: import warnings {unexplained}"
    assert names(original) <= names(exported)


def test_unicode_labels_survive_byte_for_byte(modeler_page: Page) -> None:
    if "A.1.0.bpmn" not in FILES:
        pytest.skip("A.1.0.bpmn is absent")
    original = relabelled(read_text("A.1.0.bpmn"), LABELS)  # declared ISO-8859-1, now not
    exported, warnings = round_trip(modeler_page, original)
    assert warnings == []
    assert set(LABELS.values()) <= names(exported)
    encoded = exported.encode("utf-8")
    for label in list(LABELS.values())[:2]:  # the third needs escaping in XML
        assert f'name="{label}"'.encode() in encoded, label
    assert unicodedata.normalize("NFC", LABELS["Task 2"]) not in exported
    assert canonical(original) - canonical(exported) == set()


def test_an_uploaded_latin1_file_keeps_its_accents(modeler_page: Page) -> None:
    if "A.2.0.bpmn" not in FILES:
        pytest.skip("A.2.0.bpmn is absent")
    text = relabelled(read_text("A.2.0.bpmn"), LATIN1_LABELS)
    assert 'encoding="ISO-8859-1"' in text[:100]
    modeler_page.locator("#pf-upload").set_input_files(
        files=[{"name": "A.2.0.bpmn", "mimeType": "application/xml",
                "buffer": text.encode("iso-8859-1")}]
    )  # fmt: skip
    modeler_page.wait_for_function(
        """(label) => window.pfModeler.get("elementRegistry")
             .find((e) => e.businessObject && e.businessObject.name === label)""",
        arg=LATIN1_LABELS["Task 1"],
    )
    exported = modeler_page.evaluate(SAVE)
    assert set(LATIN1_LABELS.values()) <= names(exported)
    assert canonical(text) - canonical(exported) == set()
