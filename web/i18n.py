"""Vietnamese by default, English on request: Flask-Babel over the catalogs in translations/.

Every UI string is written in Vietnamese, which is its gettext msgid; the English lives in
`translations/en/LC_MESSAGES/messages.po` (`make babel-update` after changing strings).
`_()` translates and then fills `{name}` placeholders; `_n()` does the same for a text
about a count (one Vietnamese form, English singular and plural); `localize()` translates
the engine's messages (`engine.errors.Message`: a Vietnamese template and its parameters).
The language is kept in the session and a cookie. Dates are shown in Việt Nam time as
dd/mm/yyyy HH:MM in both languages; numbers as the language writes them.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import flask_babel
from flask import Blueprint, Flask, has_request_context, redirect, request, session, url_for
from werkzeug.wrappers import Response

from engine.errors import N_, Message, PolicyflowError
from engine.facade import results, utcnow

LANGS = ("vi", "en")
TIMEZONE = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TIMEZONE)  # +07:00, no daylight saving
DATETIME_FORMAT, DATE_FORMAT = "dd/MM/yyyy HH:mm", "dd/MM/yyyy"  # CLDR patterns

bp = Blueprint("i18n", __name__)


def select_locale() -> str | None:
    """The language picked (session, then cookie); None (Vietnamese) outside a request."""
    if not has_request_context():
        return None
    lang = session.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGS else "vi"


def current_lang() -> str:
    locale = flask_babel.get_locale()
    return locale.language if locale else "vi"


def _(text: str, **values: Any) -> str:
    """The text in the current language, with {name} placeholders filled in."""
    translated = flask_babel.get_translations().gettext(text)
    return _fill(translated, values) or text.format(**values)


def _n(text: str, count: int, **values: Any) -> str:
    """A text about `count` things (English picks singular or plural); {n} is the count
    unless given."""
    values = {"n": count, **values}
    translated = flask_babel.get_translations().ngettext(text, text, count)
    return _fill(translated, values) or text.format(**values)


def localize(text: str) -> str:
    """An engine message in the current language (its parameters too); other text as is."""
    if not isinstance(text, Message):
        return text
    params = {k: localize(v) if isinstance(v, str) else v for k, v in text.params.items()}
    translations = flask_babel.get_translations()
    if text.count_name is not None:
        translated = translations.ngettext(
            text.template, text.template, text.params[text.count_name]
        )
    else:
        translated = translations.gettext(text.template)
    return _fill(translated, params) or str(text)


def error_text(err: PolicyflowError) -> str:
    """An engine error's sentence in the current language."""
    return localize(err.message)


def localize_fields(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """InvalidInput.field_errors with each message localized."""
    return {name: [localize(m) for m in messages] for name, messages in errors.items()}


def localize_problems(problems: list[results.BpmnProblem]) -> list[results.BpmnProblem]:
    """BPMN validation problems with each message localized."""
    return [{**p, "message": localize(p["message"])} for p in problems]


def _fill(translated: str, values: Mapping[str, Any]) -> str | None:
    """The translation filled in; None if it does not fit the values (then the caller
    shows the Vietnamese: a broken translation must not break a page)."""
    if not values:
        return translated
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):
        return None


def parse_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_datetime(value: Any) -> str:
    """ISO date-time → dd/mm/yyyy HH:MM in Việt Nam time; anything else as given.
    DATETIME_FORMAT by strftime: digits and separators only, the same in both languages,
    and a list page formats one per row (Babel's formatter costs ~10 times more)."""
    moment = parse_moment(value)
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M") if moment else (value or "")


def format_date(value: Any) -> str:
    """ISO date → dd/mm/yyyy; a date-time is shown as one."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return flask_babel.format_date(date.fromisoformat(value), DATE_FORMAT)
        except ValueError:
            return value
    return format_datetime(value)


def local_year(value: Any) -> int | str:
    """The year of an ISO date-time in Việt Nam time (the calendar year a deadline is in)."""
    moment = parse_moment(value)
    return moment.astimezone(VN).year if moment else ""


def format_number(value: float) -> str:
    """12.500.000 in Vietnamese, 12,500,000 in English."""
    return flask_babel.format_decimal(value)


def local_now() -> datetime:
    return utcnow().astimezone(VN)


@bp.post("/lang/<lang>")
def switch(lang: str) -> Response:
    if lang not in LANGS:
        lang = "vi"
    session["lang"] = lang
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("inbox.index")
    response = redirect(target)
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    # Templates call the same `_`, `_n` as the views ({name} placeholders, autoescaped).
    flask_babel.Babel(app, locale_selector=select_locale, configure_jinja=False)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        _=_, _n=_n, localize=localize, current_lang=current_lang, label=label
    )
    app.jinja_env.filters.update(
        dt=format_datetime, d=format_date, number=format_number, local_year=local_year
    )


# What the engine's codes mean to a person.
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "running": N_("Đang xử lý"),
        "suspended": N_("Tạm dừng"),
        "completed": N_("Đã hoàn thành"),
        "cancelled": N_("Đã hủy"),
    },
    "state": {"open": N_("Đang mở"), "completed": N_("Đã hoàn thành"), "cancelled": N_("Đã hủy")},
    "job_state": {
        "pending": N_("chờ đến giờ"),
        "sent": N_("đã giao hàng đợi"),
        "done": N_("đã xong"),
        "failed": N_("thất bại"),
    },
    "job_kind": {
        "fire_timers": N_("hẹn giờ đến hạn"),
        "send_email": N_("gửi e-mail"),
        "publish": N_("đăng cổng thông tin"),
        "publish_spokespersons": N_("công bố danh sách người phát ngôn"),
    },
    "command": {
        "start": N_("khởi tạo hồ sơ"),
        "claim": N_("nhận việc"),
        "unclaim": N_("trả việc về hộp chung"),
        "complete": N_("hoàn thành"),
        "reassign": N_("giao việc cho người khác"),
        "comment": N_("góp ý kiến"),
        "attach": N_("đính kèm tệp"),
        "cancel": N_("hủy hồ sơ"),
        "suspend": N_("tạm dừng hồ sơ"),
        "resume": N_("tiếp tục hồ sơ"),
        "timer": N_("hẹn giờ đến hạn"),
        "message": N_("nhận thông điệp"),
        "migrate": N_("chuyển sang phiên bản mới"),
        "update_data": N_("sửa dữ liệu hồ sơ"),
        "org_transition": N_("chuyển việc sang đơn vị kế thừa"),
        "org_import": N_("nhập dữ liệu tổ chức"),
        "user_create": N_("thêm người dùng"),
        "user_update": N_("sửa thông tin người dùng"),
        "user_deactivate": N_("ngừng tài khoản người dùng"),
        "password_reset": N_("đặt lại mật khẩu"),
        "user_unlock": N_("mở khóa đăng nhập"),
        "role_grant": N_("giao vai trò"),
        "role_end": N_("kết thúc vai trò"),
        "user_import": N_("nhập người dùng từ CSV"),
        "spokesperson_set": N_("chỉ định người phát ngôn"),
    },
    "admin_kind": {
        "roles": N_("vai trò"),
        "units": N_("đơn vị"),
        "people": N_("người dùng"),
        "holdings": N_("vai trò nắm giữ"),
    },
    "incident_state": {"open": N_("Đang mở"), "resolved": N_("Đã xử lý"), "all": N_("Tất cả")},
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    return _(LABELS.get(kind, {}).get(code, code))
