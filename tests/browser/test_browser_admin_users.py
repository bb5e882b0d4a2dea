"""People administration in the browser (issue 19): the administrator creates a user with
the role don_vi in xã Xuân Ninh (in force on the suite's clock, 2/6/2025), reads the
one-time password from the page; the new user signs in with it and sees their inbox,
serving xã Xuân Ninh."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

from engine.facade import Policyflow

if TYPE_CHECKING:
    from conftest import People


def test_an_admin_creates_a_user_who_signs_in_and_sees_their_inbox(
    people: "People", deployed: Policyflow, shoot: Callable[[Page, str], Path]
) -> None:
    admin = people.login("admin")
    admin.get_by_role("link", name="Quản trị người dùng").click()
    expect(admin.get_by_role("heading", name="Quản trị người dùng")).to_be_visible()
    shoot(admin, "admin-users-list")
    admin.get_by_role("link", name="Thêm người dùng").click()
    admin.get_by_label("Tên đăng nhập").fill("Xa Ninh Moi")  # refused by the engine
    admin.get_by_label("Họ và tên").fill("Phạm Văn Mới")
    admin.get_by_role("button", name="Tạo người dùng").click()
    expect(admin.locator("#u-username-err")).to_contain_text("Chỉ chữ thường không dấu")
    expect(admin.get_by_label("Họ và tên")).to_have_value("Phạm Văn Mới")  # kept
    shoot(admin, "admin-users-new-errors")
    admin.get_by_label("Tên đăng nhập").fill("xa_ninh_moi")
    admin.get_by_label("Chức vụ").fill("Công chức Văn hóa - Xã hội")
    admin.get_by_label("Thư điện tử").fill("moi@example.vn")
    admin.locator("#h-role").select_option("don_vi")
    admin.locator("#h-unit").select_option("xa-xuan-ninh")
    expect(admin.locator("input[name=from]")).to_have_value("2025-06-02")  # today, preset
    shoot(admin, "admin-users-new")
    admin.get_by_role("button", name="Tạo người dùng").click()
    expect(admin.get_by_text("Mật khẩu dùng một lần:")).to_be_visible()
    password = admin.locator("#one-time-password").inner_text().strip()
    assert len(password) >= 12
    expect(admin.get_by_text("trao tận tay")).to_be_visible()
    shoot(admin, "admin-users-password")
    admin.get_by_role("link", name="Xem người dùng").click()
    holdings = admin.locator("table.holdings tbody tr")
    expect(holdings).to_have_count(1)
    expect(holdings.first).to_contain_text("02/06/2025")
    expect(holdings.first).to_contain_text("đang có hiệu lực")
    expect(admin.locator("body")).not_to_contain_text(password)  # shown once only
    shoot(admin, "admin-users-show")

    newcomer = people.page("xa_ninh_moi")
    newcomer.goto("/login")
    newcomer.locator("#username").fill("xa_ninh_moi")
    newcomer.locator("#password").fill(password)
    newcomer.locator("#password").press("Enter")  # the first button is the language switch
    expect(newcomer).to_have_url(f"{people.server.url}/")
    expect(newcomer.locator("header")).to_contain_text("Phạm Văn Mới")
    expect(newcomer.locator("nav.side a[aria-current=page]")).to_contain_text("Chờ xử lý")
    expect(newcomer.locator(".usermenu .roles")).to_contain_text("Xuân Ninh")
    assert deployed.accounts.user("xa_ninh_moi")["roles"][0]["unit"] == "xa-xuan-ninh"
    shoot(newcomer, "admin-users-newcomer-inbox")
