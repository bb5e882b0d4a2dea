"""The gettext catalogs: every UI string and engine message template is translated, and
the English UI shows the engine's errors, plurals and dates in English.

The extraction is the one `make babel-extract` runs (web/babel.cfg, the Makefile's
keywords), done here with Babel's API into a temporary .pot and compared with each .po.
"""

import ast
import re
import string
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.web_client import signed_in
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# Letters only Vietnamese uses (English text never has them).
VIETNAMESE = re.compile(
    "[àáạảãầấậẩẫằắặẳẵèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹăâđêôơư]", re.IGNORECASE
)


def extract() -> Catalog:
    """What `make babel-extract` writes to messages.pot, as a catalog (via a .pot file)."""
    with (ROOT / "web" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    makefile = (ROOT / "Makefile").read_text()
    flags = re.search(r"^BABEL_KEYWORDS\s*:=(.*)$", makefile, re.MULTILINE)
    assert flags, "the Makefile names the extra keywords in BABEL_KEYWORDS"
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(re.findall(r"-k\s+(\S+)", flags.group(1)))}
    catalog = Catalog(project="policyflow")
    for folder in ("engine", "web"):
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords
        ):
            where = [(f"{folder}/{filename}", lineno)]
            catalog.add(message, None, where, auto_comments=comments, context=context)
    pot = BytesIO()
    write_po(pot, catalog)
    pot.seek(0)
    return read_po(pot)


def placeholders(text: str) -> set[str]:
    """The {name}s of a text ({tên tệp: JSON Schema} or {…} are words in braces)."""
    return {
        name for _, name, _, _ in string.Formatter().parse(text) if name and name.isidentifier()
    }


def problems(template: Catalog, translated: Catalog) -> list[str]:
    """Every string of `template` that `translated` lacks, leaves empty or fuzzy, or whose
    translation names other {placeholders} than the Vietnamese."""
    found = []
    for message in template:
        if not message.id:
            continue
        entry: Message | None = translated.get(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        where = ", ".join(sorted({path for path, _ in message.locations}))
        if entry is None:
            found.append(f"missing: {ids[0]!r} ({where})")
            continue
        texts = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(texts) or isinstance(entry.id, tuple) != (len(ids) > 1):
            found.append(f"untranslated or fuzzy: {ids[0]!r} ({where})")
        elif placeholders(texts[-1]) != placeholders(ids[0]) or not all(
            placeholders(t) <= placeholders(ids[0]) for t in texts
        ):  # a singular may leave out the count ("the first step")
            found.append(f"other placeholders: {ids[0]!r} → {texts!r}")
    return found


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract()


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_extracted_string_is_translated(template: Catalog, po: Path) -> None:
    with po.open("rb") as file:
        translated = read_po(file)
    assert problems(template, translated) == [], "run `make babel-update` and translate"


def test_the_catalog_test_can_fail(template: Catalog) -> None:
    """A string dropped from the catalog, made fuzzy or given other placeholders is reported
    (besides whatever the catalog lacks already: the test above reports that)."""
    [po] = [p for p in CATALOGS if p.parts[-3] == "en"]
    with po.open("rb") as file:
        translated = read_po(file)
    before = set(problems(template, translated))
    del translated["Đăng nhập"]
    translated["Đăng xuất"].flags.add("fuzzy")
    translated["Hồ sơ {id} đã kết thúc ({status})."].string = "Case {number} has ended."
    assert sorted(set(problems(template, translated)) - before) == [
        "missing: 'Đăng nhập' (web/templates/login.html)",
        "other placeholders: 'Hồ sơ {id} đã kết thúc ({status}).' → ('Case {number} has ended.',)",
        "untranslated or fuzzy: 'Đăng xuất' (web/templates/base.html)",
    ]


def test_templates_views_and_engine_messages_are_all_extracted(template: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template}
    assert "Hoàn thành lúc" in ids  # a template
    assert "Đã hoàn thành: {name}." in ids  # _() in a view
    assert "Không có hồ sơ {id}." in ids  # an engine error's N_() template
    assert template.get(("{n} ngày làm việc", "{n} ngày làm việc")) is not None  # _n()
    plural = template.get(("{n} lỗi, chưa triển khai: {problems}",) * 2)  # the engine's Nn_()
    assert plural is not None


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_compiled_catalogs_are_current(po: Path) -> None:
    compiled = po.with_suffix(".mo")
    assert compiled.exists(), "no compiled catalog: run `make setup` (or `make babel-compile`)"
    with po.open("rb") as file:
        fresh = BytesIO()
        write_mo(fresh, read_po(file))
    assert compiled.read_bytes() == fresh.getvalue(), "stale .mo: run `make babel-compile`"


# -- the engine's messages carry templates -------------------------------------------------

ERRORS = {"NotFound", "InvalidInput", "Conflict", "PermissionDenied", "BpmnRejected"}
ERRORS |= {"ProcessFailed", "PolicyflowError"}
# Technical English about a model's own code, for its author (not Vietnamese UI text).
ENGLISH_ONLY = {"engine/bpmn/specs.py", "engine/rules/due.py", "engine/rules/services.py"}
ENGLISH_ONLY |= {"engine/rules/case_deadline.py"}


def raise_sites() -> Iterator[tuple[str, int, ast.expr | None]]:
    for path in sorted((ROOT / "engine").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called in ERRORS and name not in ENGLISH_ONLY:
                    yield name, node.lineno, node.exc.args[0] if node.exc.args else None


def test_engine_errors_are_raised_with_message_templates() -> None:
    """Each message is an N_()/Nn_() template (values in params=), a Message, or a name
    bound to one: never text formatted in place (f-strings, +, %, str(), .format(),
    .join()), which the catalog cannot hold."""
    wrong = []
    for name, line, message in raise_sites():
        formatted = isinstance(message, ast.JoinedStr | ast.BinOp | ast.Constant) or (
            isinstance(message, ast.Call)
            and (
                getattr(message.func, "id", "") == "str"
                or getattr(message.func, "attr", "") in ("format", "join")
            )
        )
        if formatted:
            wrong.append(f"{name}:{line}")
    assert wrong == []


# -- the English UI ------------------------------------------------------------------------


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def in_english(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client, token = signed_in(app, username)
    client.post("/lang/en", data={"csrf_token": token})
    return client, token


def card(page: str) -> str:
    return page[page.index('<section class="card narrow">') : page.index("</section>")]


def test_an_engine_error_is_shown_in_english(app: Flask) -> None:
    client, _token = in_english(app, "cv_vhtt")
    missing = client.get("/instances/987654")
    assert missing.status_code == 404
    assert "There is no case 987654." in card(missing.text)
    assert not VIETNAMESE.search(card(missing.text))
    task = client.get("/tasks/no-such-task")
    assert "There is no task &#39;no-such-task&#39;." in card(task.text)
    vietnamese, _token = signed_in(app, "cv_vhtt")  # the same error, Vietnamese by default
    assert "Không có hồ sơ 987654." in card(vietnamese.get("/instances/987654").text)


def test_an_engine_field_error_is_shown_in_english_with_its_plural(app: Flask) -> None:
    client, token = in_english(app, "tu_phap")
    form = {"old_password": "demo", "new_password": "short", "confirm_password": "short"}
    page = client.post("/password", data={**form, "csrf_token": token})
    assert page.status_code == 400
    assert "At least 8 characters are needed." in page.text
    assert "Cần ít nhất" not in page.text


def test_plurals_dates_and_numbers_in_english(app: Flask) -> None:
    from flask_babel import force_locale

    from web import forms
    from web.i18n import _n, format_date, format_datetime, format_number

    with app.test_request_context():
        assert _n("{n} ngày làm việc", 1) == "1 ngày làm việc"  # Vietnamese: one form
        assert format_datetime("2024-11-20T01:30:00+00:00") == "20/11/2024 08:30"  # +07:00
        assert format_number(12500000) == "12.500.000"
        with force_locale("en"):
            assert _n("{n} ngày làm việc", 1) == "1 working day"
            assert _n("{n} ngày làm việc", 5) == "5 working days"
            assert forms.describe_data({"response_due": "1WD"}, [])[0][0].text == "1 working day"
            assert format_datetime("2024-11-20T01:30:00+00:00") == "20/11/2024 08:30"
            assert format_date("2024-11-20") == "20/11/2024"
            assert format_number(12500000) == "12,500,000"


def test_a_migration_reason_from_the_engine_is_translated(app: Flask) -> None:
    from flask_babel import force_locale

    from engine.errors import N_, Message, joined
    from web.i18n import localize

    reason = Message(N_("Hồ sơ đã kết thúc ({status})."), {"status": "completed"})
    with app.test_request_context(), force_locale("en"):
        assert localize(reason) == "The case has ended (completed)."
        assert localize(joined([reason, "x"], " ")) == "The case has ended (completed). x"
        assert localize("Hồ sơ") == "Hồ sơ"  # plain text (user data) is never looked up
    assert str(reason) == "Hồ sơ đã kết thúc (completed)."
