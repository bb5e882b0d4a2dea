"""The web form's unit picker lists only the units in force today, of the field's kinds."""

import re

from engine.facade import LOCAL_TIME, Policyflow, utcnow
from tests.web_client import signed_in
from web import create_app


def options_of(html: str, name: str) -> set[str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no picker for {name}"
    return {v for v in re.findall(r'<option value="([^"]*)"', found.group(1)) if v}


def test_the_start_form_picks_units_in_force_of_the_field_kinds(deployed: Policyflow) -> None:
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "t"})
    client, _token = signed_in(app, "cv_vhtt")
    page = client.get("/processes/crisis_team/start").text
    today = deployed.org.units(utcnow().astimezone(LOCAL_TIME).date())  # the engine's today
    communes = {u["code"] for u in today if u["kind"] == "commune"}
    departments = {u["code"] for u in today if u["kind"] == "department"}
    assert options_of(page, "affected_commune") == communes
    assert "xa-xuan-bac" not in communes and "xa-tra-lu" in communes
    assert options_of(page, "concerned_department") == departments
