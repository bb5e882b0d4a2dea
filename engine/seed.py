"""Demo data: the 2024 Xuân Trường district, its people, rules and calendar.

Idempotent: running it again adds what is missing and changes nothing else.
"""

import os
from datetime import date

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.accounts import HASHER
from engine.store.models import CalendarDay, OrgUnit, Role, RoleAssignment, Setting, User

ROLES = {
    "chuyen_vien_vhtt": ("Chuyên viên Phòng VH&TT", "Culture & Information desk officer"),
    "truong_phong_vhtt": ("Trưởng phòng VH&TT", "Head of Culture & Information"),
    "van_phong": ("Văn phòng HĐND-UBND", "Council & People's Committee Office"),
    "lanh_dao_ubnd": ("Chủ tịch / Phó Chủ tịch UBND", "Chairperson / vice-chair"),
    "van_thu": ("Văn thư", "Records clerk"),
    "cong_an": ("Công an huyện", "District police"),
    "tu_phap": ("Phòng Tư pháp", "Justice Department"),
    "tai_chinh": ("Phòng Tài chính - Kế hoạch", "Finance & Planning"),
    "trung_tam_vhtttt": ("Trung tâm VH-TT&TT", "District media centre"),
    "ban_tuyen_giao": ("Ban Tuyên giáo Huyện ủy", "Party propaganda committee"),
    "don_vi": ("Cơ quan, đơn vị; UBND xã, thị trấn", "Reporting unit"),
    "thu_truong_don_vi": ("Thủ trưởng cơ quan, đơn vị", "Head of a reporting unit"),
    "kiem_toan": ("Kiểm tra / thanh tra", "Auditor"),
    "chu_quy_trinh": ("Người quản lý quy trình", "Process owner"),
}

DISTRICT = ("huyen-xuan-truong", "UBND huyện Xuân Trường")
DEPARTMENTS = [
    ("phong-vhtt", "Phòng Văn hóa và Thông tin"),
    ("van-phong", "Văn phòng HĐND và UBND huyện"),
    ("cong-an", "Công an huyện"),
    ("phong-tu-phap", "Phòng Tư pháp"),
    ("phong-tckh", "Phòng Tài chính - Kế hoạch"),
    ("ttvhtttt", "Trung tâm Văn hóa - Thông tin và Truyền thông"),
]
COMMUNES = [
    ("tt-xuan-truong", "Thị trấn Xuân Trường"),
    ("xa-tho-nghiep", "Xã Thọ Nghiệp"),
    ("xa-xuan-bac", "Xã Xuân Bắc"),
    ("xa-xuan-chau", "Xã Xuân Châu"),
    ("xa-xuan-dai", "Xã Xuân Đài"),
    ("xa-xuan-hoa", "Xã Xuân Hòa"),
    ("xa-xuan-hong", "Xã Xuân Hồng"),
    ("xa-xuan-kien", "Xã Xuân Kiên"),
    ("xa-xuan-ngoc", "Xã Xuân Ngọc"),
    ("xa-xuan-ninh", "Xã Xuân Ninh"),
    ("xa-xuan-phong", "Xã Xuân Phong"),
    ("xa-xuan-phu", "Xã Xuân Phú"),
    ("xa-xuan-phuong", "Xã Xuân Phương"),
    ("xa-xuan-tan", "Xã Xuân Tân"),
    ("xa-xuan-thanh", "Xã Xuân Thành"),
    ("xa-xuan-thuong", "Xã Xuân Thượng"),
    ("xa-xuan-thuy", "Xã Xuân Thủy"),
    ("xa-xuan-tien", "Xã Xuân Tiến"),
    ("xa-xuan-trung", "Xã Xuân Trung"),
    ("xa-xuan-vinh", "Xã Xuân Vinh"),
]

# username: (full name, admin?, [(role, unit code)])
USERS: dict[str, tuple[str, bool, list[tuple[str, str]]]] = {
    "cv_vhtt": (
        "Nguyễn Thị Hoa",
        False,
        [("chuyen_vien_vhtt", "phong-vhtt"), ("don_vi", "phong-vhtt")],
    ),
    "tp_vhtt": (
        "Trần Văn Minh",
        False,
        [("truong_phong_vhtt", "phong-vhtt"), ("thu_truong_don_vi", "phong-vhtt")],
    ),
    "vp_ubnd": ("Lê Thị Lan", False, [("van_phong", "van-phong")]),
    "pct_ubnd": ("Phạm Văn Đức", False, [("lanh_dao_ubnd", DISTRICT[0])]),
    "ct_ubnd": ("Vũ Quang Hưng", False, [("lanh_dao_ubnd", DISTRICT[0])]),
    "van_thu": ("Đỗ Thị Mai", False, [("van_thu", "van-phong")]),
    "cong_an": ("Hoàng Văn Nam", False, [("cong_an", "cong-an"), ("don_vi", "cong-an")]),
    "tu_phap": (
        "Bùi Thị Thu",
        False,
        [
            ("tu_phap", "phong-tu-phap"),
            ("don_vi", "phong-tu-phap"),
            ("thu_truong_don_vi", "phong-tu-phap"),
        ],
    ),
    "tt_vhtttt": ("Ngô Văn Tùng", False, [("trung_tam_vhtttt", "ttvhtttt")]),
    "xa_xuanbac": (
        "Đặng Văn Bắc",
        False,
        [("don_vi", "xa-xuan-bac"), ("thu_truong_don_vi", "xa-xuan-bac")],
    ),
    "xa_xuanninh": (
        "Mai Thị Ninh",
        False,
        [("don_vi", "xa-xuan-ninh"), ("thu_truong_don_vi", "xa-xuan-ninh")],
    ),
    "kiem_toan": ("Trịnh Văn Kiểm", False, [("kiem_toan", DISTRICT[0])]),
    "chu_quy_trinh": ("Lý Thị Quy", False, [("chu_quy_trinh", "phong-vhtt")]),
    "admin": ("Quản trị hệ thống", True, []),
}

MAIL_DOMAIN = "xuantruong.namdinh.gov.vn"  # demo addresses; mail leaves only via SMTP_URL

# Configurable rules (PROCESSES.md): data the processes read as config[...] at start.
SETTINGS: dict[str, tuple[object, str]] = {
    "p1_initial_info_due": ("PT24H", "NĐ 09/2017 Điều 6.3a: thông tin ban đầu trong 24 giờ"),
    "p1_citizen_issue_due": ("P30D", "Luật Báo chí 2016 Điều 39: trả lời trong 30 ngày"),
    "p1_press_question_due": ("5WD", "Hạn trả lời câu hỏi báo chí thông thường (địa phương)"),
    "p1_authorisation_publish_due": (
        "PT12H",
        "Đăng văn bản ủy quyền phát ngôn (24 giờ theo NĐ 244/2026)",
    ),
    "p1_escalate_before": ("PT20H", "Nhắc người phát ngôn trước khi quá hạn 24 giờ"),
    "p1_correction_watch_online": ("PT1H", "Theo dõi cải chính: báo điện tử đăng ngay"),
    "p1_correction_watch_print": ("P2D", "Theo dõi cải chính: báo in trong 2 ngày"),
    "p2_initial_info_due": ("PT24H", "Thông tin ban đầu về sự cố trong 24 giờ"),
    "p2_reminder_1": ("PT12H", "Nhắc lãnh đạo lần 1"),
    "p2_reminder_2": ("PT20H", "Nhắc lãnh đạo lần 2"),
    "p3_deadline": ("2024-11-20", "Hạn gửi báo cáo năm (Kế hoạch truyền thông chính sách 2024)"),
    "p3_reminder_1": ("P7D", "Nhắc trước hạn T-7"),
    "p3_reminder_2": ("P3D", "Nhắc trước hạn T-3"),
    "reminder_offsets": (
        ["P1D", "PT2H"],
        "Nhắc người làm trước hạn (ISO 8601); quá hạn thì báo lãnh đạo đơn vị",
    ),
    "doc_dispatch_due": ("1WD", "Văn thư phát hành trong ngày hoặc ngày làm việc tiếp theo"),
}

YEAR_START = date(2024, 1, 1)


def seed_demo(session: Session, password: str | None = None) -> dict[str, int]:
    """Add the demo organisation, users, rules and 2024–2026 calendar where missing."""
    password = password or os.environ.get("DEMO_PASSWORD", "demo")
    added = {"roles": 0, "units": 0, "users": 0, "settings": 0, "calendar_days": 0}
    for key, (vi, en) in ROLES.items():
        if session.get(Role, key) is None:
            session.add(Role(key=key, name_vi=vi, name_en=en))
            added["roles"] += 1
    session.flush()
    added["units"] = _seed_units(session)
    added["users"] = _seed_users(session, password)
    for key, (value, description) in SETTINGS.items():
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value, description=description))
            added["settings"] += 1
    added["calendar_days"] = seed_calendar(session, range(2024, 2027))
    return added


def _seed_units(session: Session) -> int:
    existing = {u.code: u for u in session.scalars(select(OrgUnit))}
    added = 0

    def ensure(code: str, name: str, kind: str, parent: OrgUnit | None, reports: bool) -> OrgUnit:
        nonlocal added
        if code not in existing:
            existing[code] = OrgUnit(
                code=code,
                name=name,
                kind=kind,
                parent_id=parent.id if parent else None,
                valid_from=YEAR_START,
                reports=reports,
            )
            session.add(existing[code])
            session.flush()
            added += 1
        return existing[code]

    district = ensure(*DISTRICT, "district", None, False)
    for code, name in DEPARTMENTS:
        ensure(code, name, "department", district, True)
    for code, name in COMMUNES:
        ensure(code, name, "commune", district, True)
    return added


def _seed_users(session: Session, password: str) -> int:
    units = {u.code: u.id for u in session.scalars(select(OrgUnit))}
    added = 0
    for username, (full_name, is_admin, roles) in USERS.items():
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        user = User(
            username=username,
            full_name=full_name,
            is_admin=is_admin,
            password_hash=HASHER.hash(password),
            email=f"{username}@{MAIL_DOMAIN}",
        )
        user.roles = [RoleAssignment(role_key=r, unit_id=units[u]) for r, u in roles]
        session.add(user)
        added += 1
    return added


# Where the `holidays` package (0.108) is wrong or incomplete for 2024–2026, checked against
# the official notices for civil servants. Applied like the package's days: only where the
# table has no row yet (the table is the authority; an administrator edits it).
# Checked and right in the package, so not listed: Tết 2024 off 8–14/2; 27/4–1/5/2024 off,
# Saturday 4/5 worked; 31/8–3/9/2024 off; Tết Ất Tỵ off Sat 25/1 – Sun 2/2/2025, five Tết
# weekdays and four weekend days, no make-up day (CV 8726/VPCP-KGVX 26/11/2024, TB 6150/
# TB-BLĐTBXH: Saturday 8/2/2025 is an ordinary Saturday); 30/4–4/5/2025 off, Saturday
# 26/4/2025 worked; 30/8–2/9/2025 off; Tết Bính Ngọ off Sat 14/2 – Sun 22/2/2026 (16–20/2
# weekdays); Giỗ Tổ 18/4/2024, 7/4/2025, Sunday 26/4/2026 off on Monday 27/4; 29/8–2/9/2026
# off, Monday 31/8 swapped with Saturday 22/8. Kept from the package, to be confirmed: Ngày
# Văn hóa Việt Nam 24/11/2026 (NQ 80-NQ/TW; needs the amended Bộ luật Lao động Điều 112).
CALENDAR_CORRECTIONS: dict[date, tuple[bool, str]] = {
    # The package calls Monday 27/1/2025 "29 Tết"; tháng Chạp Giáp Thìn had 29 days, so
    # 28/1 was 29 Tết (giao thừa) and 27/1 was 28 Tết. The day off itself is right.
    date(2025, 1, 27): (False, "28 Tết (nghỉ Tết Nguyên Đán)"),
    # Tết Dương lịch 2026 (CV 12729/VPCP-KGVX 25/12/2025): off Thu 1/1 – Sun 4/1, Friday 2/1
    # swapped with Saturday 10/1. Missing from the package.
    date(2026, 1, 2): (False, "Tết Dương lịch (hoán đổi, làm bù thứ Bảy 10/01/2026)"),
    date(2026, 1, 10): (True, "Làm bù (thay cho thứ Sáu 02/01/2026)"),
}


def seed_calendar(session: Session, years: range) -> int:
    """Vietnamese holidays and make-up Saturdays: the `holidays` package, then corrections."""
    existing = set(session.scalars(select(CalendarDay.day)))
    days = _package_calendar(years)
    days.update({d: v for d, v in CALENDAR_CORRECTIONS.items() if d.year in years})
    missing = [
        CalendarDay(day=day, is_working=working, name=name)
        for day, (working, name) in sorted(days.items())
        if day not in existing
    ]
    session.add_all(missing)
    return len(missing)


def _package_calendar(years: range) -> dict[date, tuple[bool, str]]:
    """Weekday holidays (weekends are off anyway) and make-up Saturdays, named in Vietnamese."""
    calendar = holidays.country_holidays("VN", years=list(years), language="vi")
    days = {day: (False, name) for day, name in calendar.items() if day.weekday() < 5}
    for day in getattr(calendar, "weekend_workdays", ()):
        if day.year in years:  # the package lists other years' make-up days too (2014, 2019)
            days[day] = (True, "Làm bù")
    return days


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except Exception:
        return False
