"""The paths the benchmarks drive: who completes which element with which form data."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    user: str
    element: str  # a user task's BPMN id, or "__start__" for the start form
    data: dict = field(default_factory=dict)


# press_statement (P1), the main path: a newspaper's question, the Chủ tịch answers it
# himself, the Justice Department supplies the facts, a portal post is drafted, reviewed,
# approved and published.
PRESS_MAIN_PATH: list[Step] = [
    Step("cv_vhtt", "__start__", {
        "trigger": "press_request", "case_title": "Báo Nam Định hỏi về chính sách đất đai",
        "summary": "Phóng viên đề nghị cung cấp thông tin về bồi thường giải phóng mặt bằng.",
        "event_time": "2024-10-01T08:00:00+07:00", "press_agency": "Báo Nam Định",
        "press_medium": "online", "citizen_issue": False,
    }),
    Step("cv_vhtt", "Register", {"case_number": "15/PV", "chairman_available": "available"}),
    Step("ct_ubnd", "Request_facts", {
        "fact_unit": "phong-tu-phap", "facts_deadline": "2024-10-02T17:00:00+07:00",
        "facts_request": "Cung cấp căn cứ pháp lý và số liệu bồi thường.",
    }),
    Step("tu_phap", "Provide_facts", {"facts": "Căn cứ Luật Đất đai 2024…",
                                      "facts_restricted": False}),
    Step("ct_ubnd", "Decide", {
        "provide_decision": "provide", "statement_form": "portal_post",
        "spokesperson_name": "Vũ Quang Hưng",
    }),
    Step("cv_vhtt", "Draft", {"statement_text": "UBND huyện Xuân Trường thông tin như sau…"}),
    Step("tp_vhtt", "Review", {"statement_review_decision": "approve"}),
    Step("ct_ubnd", "Approve", {"statement_approve_decision": "approve"}),
    Step("tt_vhtttt", "Publish", {
        "published_at": "2024-10-02T09:00:00+07:00",
        "publication_ref": "xuantruong.namdinh.gov.vn/tin/15",
    }),
]  # fmt: skip
