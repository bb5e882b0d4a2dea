"""`policyflow`: the engine from a shell. Every command takes --json for machine output.

Errors end with a non-zero exit and one clear line on stderr, never a traceback.
"""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from engine.errors import PolicyflowError
from engine.facade import Policyflow
from tasks import connect as connect_queue

pass_engine = click.make_pass_decorator(Policyflow, ensure=False)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


class FriendlyGroup(click.Group):
    """Turns the engine's errors (and unexpected ones) into one line and exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolicyflowError as err:
            _fail(f"{err}", 2, getattr(err, "field_errors", None))
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:  # a bug or a dead database: still one line
            _fail(f"{err.__class__.__name__}: {str(err).splitlines()[0] if str(err) else ''}", 1)


def _fail(message: str, code: int, field_errors: dict | None = None) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    for field, problems in (field_errors or {}).items():
        for problem in problems if isinstance(problems, list) else [problems]:
            click.echo(f"  {field or '(biểu mẫu)'}: {problem}", err=True)
    sys.exit(code)


def emit(value: Any, as_json: bool, human: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(human if human is not None else json.dumps(value, ensure_ascii=False, indent=2))


def parse_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise click.BadParameter(f"không phải JSON hợp lệ: {err}") from err
    if not isinstance(value, dict):
        raise click.BadParameter("phải là một đối tượng JSON {...}")
    return value


def parse_now(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise click.BadParameter(f"'{text}' không phải thời điểm ISO 8601") from err
    if moment.tzinfo is None:
        raise click.BadParameter("cần múi giờ, ví dụ 2024-11-21T08:00:00+07:00")
    return moment


@click.group(cls=FriendlyGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """policyflow — quy trình truyền thông chính sách chạy trên BPMN."""
    ctx.obj = Policyflow()
    connect_queue(ctx.obj)  # with REDIS_URL, jobs a command records go to Celery at once


from cli import (  # noqa: E402,F401  (register the commands)
    accounts,
    admin_rules,
    audit,
    background,
    calendar,
    commands,
    incidents,
    migration,
    org,
)

__all__ = ["Path", "emit", "json_option", "main", "parse_json", "parse_now", "pass_engine"]

# After `org`: `policyflow org units` joins its group (or makes it).
# `people`: `policyflow users …` and `policyflow roles …`.
from cli import org_units, people  # noqa: E402,F401

# The help in one language: Vietnamese, or English when the locale is English.
from cli.help_lang import localize  # noqa: E402

localize(main)
