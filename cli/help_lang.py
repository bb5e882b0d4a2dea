# ruff: noqa: E501  (a table of sentences)
"""The CLI's help in one language (issue 18 item 12): Vietnamese by default, English when
the locale says so (LC_ALL, LC_MESSAGES or LANG starting with "en"). Commands are written
in either language; this table gives each its one-line help in the other, and `localize`
puts the chosen language's line on every command after they are registered (the details
of a docstring stay in its own language only, so a translated command shows the line)."""

import os

import click

# command path → (Vietnamese, English)
HELP: dict[str, tuple[str, str]] = {
    "": ("policyflow — quy trình truyền thông chính sách chạy trên BPMN.",
         "policyflow — the policy-communication processes, run as BPMN."),
    "accounts": ("Tài khoản: khóa đăng nhập sau nhiều lần sai mật khẩu.",
                 "Accounts: login lockouts after repeated wrong passwords."),
    "accounts lockouts": ("Các tài khoản đang bị khóa ở một địa chỉ (sau nhiều lần sai mật khẩu).",
                          "The accounts refused at some address now (after repeated wrong passwords)."),
    "accounts unlock": ("Mở mọi khóa đăng nhập của USERNAME, ở mọi địa chỉ (có ghi nhận).",
                        "Lift every login lockout of USERNAME, at every address (recorded)."),
    "calendar": ("Lịch ngày làm việc: ngày lễ, ngày nghỉ bù, thứ Bảy làm bù.",
                 "The working-day calendar: holidays, days off, make-up Saturdays."),
    "calendar add-working-days": ("Ngày sau DATE N ngày làm việc (không tính DATE).",
                                  "The date N working days after DATE (DATE itself is not counted)."),
    "calendar show": ("Ngày lễ, ngày nghỉ bù và ngày làm bù của năm YEAR.",
                      "The holidays, days off and make-up working days of YEAR."),
    "calendar set": ("Đặt DATE là ngày nghỉ, ngày làm bù hoặc ngày thường.",
                     "Make DATE a holiday, a make-up working day or an ordinary day."),
    "calendar confirm": ("Xác nhận lịch của năm YEAR (đã có thông báo hoán đổi ngày của Chính phủ).",
                         "Mark YEAR's calendar confirmed (the government's notice of its swaps is in)."),
    "org": ("Tổ chức theo thời gian: nhập tệp tổ chức, bàn giao việc khi đơn vị kết thúc.",
            "The organisation in time: import an org file, hand over work when a unit ends."),
    "org import": ("Nhập tệp FILE (YAML): kiểm tra toàn bộ, rồi thêm hoặc cập nhật đơn vị, vai trò, người.",
                   "Import FILE (YAML): checked whole, then units, roles, people added or updated."),
    "org transition": ("Chuyển việc đang mở của đơn vị hết hiệu lực vào ngày DATE sang đơn vị kế thừa.",
                       "Move open work of units not in force on DATE to their successors, per instance."),
    "org add": ("Thêm đơn vị CODE từ ngày --from.", "Add the unit CODE from --from."),
    "org rename": ("Đổi tên đơn vị CODE thành NAME.", "Rename the unit CODE to NAME."),
    "org end": ("Kết thúc đơn vị CODE vào --last-day; việc đang mở chuyển sang --successor.",
                "End the unit CODE on --last-day; its open work goes to --successor."),
    "org units": ("Các đơn vị có hiệu lực ngày --at: mã, tên, loại, ngày đầu, ngày cuối, đơn vị kế thừa.",
                  "The units in force on --at: code, name, kind, first and last day, successor."),
    "settings": ("Quy định (thời hạn, nhắc việc) có hiệu lực theo ngày.",
                 "Rules (deadlines, reminders) with the dates they apply from."),
    "settings list": ("Mọi quy định: khóa, loại, giá trị đang áp dụng, lịch sử.",
                      "Every setting: key, kind, value in force, history."),
    "settings set": ("Giá trị VALUE của KEY từ ngày --from (danh sách thời hạn: cách nhau bởi dấu phẩy).",
                     "KEY's VALUE from --from (a list of durations: comma-separated)."),
    "audit": ("Sổ nhật ký kiểm toán (chuỗi băm).", "The audit log (hash chains)."),
    "audit verify-chain": ("Kiểm tra các điểm kiểm tra đã ký và mọi sự kiện theo chuỗi của hồ sơ; nêu từng dòng bị sửa, xóa, chèn, đảo thứ tự.",
                           "Check the signed checkpoints and every event against its instance's chain; name each edited, deleted, inserted or reordered row."),
    "audit checkpoint": ("Ký một điểm kiểm tra: gốc Merkle các đầu chuỗi đã đổi từ điểm trước (bộ lập lịch làm định kỳ).",
                         "Sign a checkpoint: the Merkle root of the chain heads that moved since the last one (the scheduler does it periodically)."),
    "verify": ("Chạy lại INSTANCE (hoặc --all) từ phiên bản BPMN đã ghim và dữ liệu đã ghi, so từng bước.",
               "Re-execute INSTANCE (or --all) from its pinned BPMN version and recorded inputs, comparing every step."),
    "scheduler": ("Chạy công việc nền trong tiến trình này (mặc định nhúng, không cần Redis).",
                  "Run background work in this process (the embedded default, without Redis)."),
    "sweep": ("Một lượt ngay: việc nền đến hạn, hẹn giờ quá hạn, nhắc việc còn nợ.",
              "One pass now: due jobs, timers past due, reminders owed."),
    "jobs": ("Công việc nền theo trạng thái (chờ, đã gửi, xong, lỗi).",
             "Background jobs by state (pending, sent, done, failed)."),
    "db": ("Lược đồ cơ sở dữ liệu.", "Database schema."),
    "db upgrade": ("Tạo hoặc nâng lược đồ lên phiên bản mới nhất.",
                   "Create or migrate the schema to the newest version."),
    "seed-demo": ("Thêm dữ liệu mẫu: huyện, người dùng (mật khẩu $DEMO_PASSWORD hoặc 'demo'), quy định, lịch.",
                  "Add the demo district, users (password: $DEMO_PASSWORD or 'demo'), rules, calendar."),
    "deploy": ("Triển khai các tệp BPMN (quy trình được gọi triển khai trước quy trình gọi nó).",
               "Deploy BPMN files (called processes are deployed before their callers)."),
    "processes": ("Các quy trình đã triển khai, mỗi quy trình với JSON Schema của biểu mẫu khởi tạo.",
                  "Deployed processes, each with its start form's JSON Schema."),
    "start": ("Khởi tạo một hồ sơ của quy trình KEY.", "Start an instance of process KEY."),
    "tasks": ("Hộp việc của người dùng: việc đang mở họ được làm hoặc đã nhận.",
              "The user's inbox: open tasks they may do or have claimed."),
    "claim": ("Nhận một việc để người khác biết đang có người xử lý.",
              "Take a task so others see it is being handled."),
    "unclaim": ("Bỏ nhận một việc, trả về nhóm.", "Give a claimed task back to the group."),
    "complete": ("Hoàn thành một việc với dữ liệu biểu mẫu.", "Complete a task with its form data."),
    "show": ("Một hồ sơ: trạng thái, việc đang mở, dữ liệu.", "An instance: status, open tasks, data."),
    "history": ("Mọi điều đã xảy ra với một hồ sơ, theo sổ nhật ký.",
                "Everything that happened to an instance, from the audit log."),
    "fire-timers": ("Kích hoạt mọi hẹn giờ đến hạn bây giờ (hoặc lúc --now).",
                    "Fire every timer due now (or at --now)."),
    "instance": ("Hủy, tạm dừng hoặc tiếp tục một hồ sơ.", "Cancel, suspend or resume an instance."),
    "message": ("Gửi một thông điệp tới các hồ sơ đang chờ nó.",
                "Deliver a message to the instances waiting for it."),
    "incidents": ("Sự cố đang mở (với --all: mọi sự cố), lỗi mới nhất trước.",
                  "Open incidents (with --all: every one), newest failure first."),
    "incidents retry": ("Chạy lại phần việc bị lỗi; xong thì sự cố được giải quyết.",
                        "Run the failed work again; resolved if it succeeds."),
    "incidents fix": ("Sửa dữ liệu của hồ sơ (một đối tượng JSON), ghi nhật ký như một thao tác riêng.",
                      "Edit the instance's data (a JSON object), audited as its own command."),
    "incidents cancel": ("Bỏ cuộc: hủy hồ sơ của sự cố.", "Give up: cancel the incident's instance."),
    "migrate": ("Hồ sơ nào của KEY chuyển được sang phiên bản mới hơn và vì sao không; chuyển khi được yêu cầu.",
                "Which instances of KEY can move to a newer version and why not; moves them when asked."),
    "users": ("Người dùng: danh sách, thêm, ngừng hoạt động, đặt lại mật khẩu, mở khóa, nhập CSV.",
              "Users: list, add, deactivate, reset a password, unlock, import a CSV file."),
    "users list": ("Người dùng theo tên đăng nhập, mỗi người với vai trò đang giữ hôm nay.",
                   "Users by username, each with the roles they hold today."),
    "users add": ("Thêm người dùng; in mật khẩu dùng một lần (chỉ lưu giá trị băm).",
                  "Add a user; prints their one-time password (only its hash is stored)."),
    "users deactivate": ("Người dùng không đăng nhập được nữa; việc họ đã nhận trả về nhóm.",
                         "The user can no longer sign in; their claimed tasks go back to the group."),
    "users reset-password": ("Mật khẩu dùng một lần mới; mọi phiên và mã API của người dùng kết thúc.",
                             "A new one-time password; every session and API token of the user ends."),
    "users unlock": ("Mở mọi khóa đăng nhập của người dùng.", "Lift every login lockout of the user."),
    "users import": ("Người dùng và vai trò từ tệp CSV (có chạy thử --dry-run).",
                     "Users and role holdings from a CSV file (with a --dry-run)."),
    "roles": ("Vai trò theo thời gian: giao vai trò ở một đơn vị từ một ngày, kết thúc vào một ngày.",
              "Roles in time: a role in a unit from a date, ended on a date."),
    "roles grant": ("USERNAME giữ vai trò ROLE ở UNIT từ --from (đến --to).",
                    "USERNAME holds ROLE in UNIT from --from (to --to)."),
    "roles end": ("Kết thúc vai trò HOLDING_ID vào --on; việc đã nhận không còn thuộc vai trò trả về nhóm.",
                  "End the holding HOLDING_ID at --on; claims it no longer covers go back to the group."),
    "roles release-lapsed": ("Trả về nhóm mọi việc đã nhận mà người nhận không còn được xử lý.",
                             "Give back to the group every claim whose holder can no longer act on the task."),
}  # fmt: skip

OPTIONS: dict[str, tuple[str, str]] = {
    "Print JSON.": ("In kết quả dạng JSON.", "Print JSON."),
    "--help": ("Hiện trợ giúp này rồi thoát.", "Show this message and exit."),
}


def language() -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def localize(root: click.Command, lang: str | None = None) -> None:
    """Every command's help (and the common options') in `lang` (default: the locale's)."""
    pick = 1 if (lang or language()) == "en" else 0

    def walk(command: click.Command, path: str) -> None:
        texts = HELP.get(path)
        own = " ".join((command.help or "").split())
        if texts is not None and not own.startswith(texts[pick][:24]):
            command.help = texts[pick]  # written in the other language: the line only
            command.short_help = texts[pick]
        elif texts is not None:
            command.short_help = texts[pick]
        for param in command.params:
            if isinstance(param, click.Option) and param.help in OPTIONS:
                param.help = OPTIONS[param.help][pick]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())

    walk(root, "")
    help_text = OPTIONS["--help"][pick]
    original = click.Command.get_help_option

    def get_help_option(self: click.Command, ctx: click.Context) -> click.Option | None:
        option = original(self, ctx)
        if option is not None:
            option.help = help_text
        return option

    click.Command.get_help_option = get_help_option  # type: ignore[method-assign]
