"""`/monitoring`: P5's monitoring items — what the daily scan found, where each stands, the
case handling it and the P1 rebuttal it started; and the labels the instance page uses for
the items linked to an instance."""

from collections.abc import Callable

from flask import Blueprint, render_template, request

from web.auth import engine, login_required, signed_in
from web.i18n import _

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


def _labels() -> dict[str, dict[str, str]]:
    """Vietnamese labels of an item's codes (built per request: the language may change)."""
    return {
        "status": {
            "recorded": _("Mới ghi nhận"),
            "rebuttal": _("Phát ngôn cải chính (P1)"),
            "classified": _("Đã phân loại, đang xử lý"),
            "not_confirmed": _("Không xác định vi phạm"),
            "fined": _("Đã xử phạt"),
            "escalated": _("Đã báo cáo cấp tỉnh"),
            "removal_requested": _("Đã yêu cầu gỡ bỏ"),
            "removal_overdue": _("Quá 24 giờ, đã báo cáo"),
            "removed": _("Đã gỡ bỏ"),
        },
        "classification": {
            "policy_misinfo": _("Sai về chủ trương, chính sách"),
            "admin_violation": _("Vi phạm hành chính"),
            "crime_security": _("Tội phạm, an ninh"),
            "platform_removal": _("Đề nghị nền tảng gỡ bỏ"),
        },
        "platform": {
            "facebook": "Facebook",
            "youtube": "YouTube",
            "tiktok": "TikTok",
            "zalo": "Zalo",
            "website": _("Trang thông tin điện tử"),
            "online_press": _("Báo điện tử"),
            "other": _("Khác"),
        },
        "found_by": {"culture_office": _("Phòng VH&TT"), "police": _("Công an")},
    }


def item_label() -> Callable[[str, str | None], str]:
    """`label(kind, code)` for templates: the code's Vietnamese label, or the code."""
    labels = _labels()
    return lambda kind, code: labels.get(kind, {}).get(code or "", code or "")


@bp.get("")
@login_required
def index() -> str:
    status = request.args.get("status", "")
    known = _labels()["status"]
    status = status if status in known else ""
    found = engine().monitoring.items(signed_in(), status or None)
    return render_template(
        "monitoring.html", items=found, status=status, statuses=known, item_label=item_label()
    )
