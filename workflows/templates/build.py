"""Build the shipped .docx templates (Nghị định 30/2020/NĐ-CP, Phụ lục I) with python-docx.

The committed .docx files are what ships and what a process owner edits in Word; this
script only makes them reproducible: `python workflows/templates/build.py` writes them
again beside it. The Jinja tags ({{ … }}, {%p … %}, {%tr … %}) are docxtpl's; the names
they use are the context engine/documents/letterhead.py builds (issuer, number, date
line, signature block, recipients) plus what the BPMN's render_document passes.

Format (Phụ lục I): A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New
Roman; issuing body (upright, bold, 13: a People's Committee has no superior body, both
lines are its own name) top left and the national motto (12 / 14) top right, each over a
short rule; number (13) under the issuing body, place and date
(italic 14) under the motto; type (bold 14) and trích yếu (bold 14) centred; body 14,
justified, first line indented 1 cm; page numbers (13) at the top centre from page 2;
"Nơi nhận:" (bold italic 12, list 11) bottom left;
the signature block (bold 14) bottom right.
"""

import sys
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).parent
FONT = "Times New Roman"
LEFT_W, RIGHT_W = Mm(65), Mm(100)  # the header table's two columns (165 mm of text width)


def new_document() -> Document:
    doc = new_docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    page_numbers(section)
    core = doc.core_properties
    core.title, core.author, core.comments = "Mẫu văn bản", "policyflow", ""
    return doc


def page_numbers(section: Section) -> None:
    """The page number at the top centre from the second page on (Phụ lục I, II.9)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "26")  # half-points: 13
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)


def para(
    where: Document | _Cell,
    text: str = "",
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.CENTER,
    indent: bool = False,
    after: float = 0,
) -> Paragraph:
    p = where.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    if indent:
        p.paragraph_format.first_line_indent = Mm(10)
    if text:
        run = p.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return p


def rule(cell: _Cell, cell_width: int, width: int) -> None:
    """A short horizontal line under the issuing body or the motto (a bottom border on
    an empty, narrowed paragraph)."""
    p = cell.add_paragraph()
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = (cell_width - width) // 2
    p.paragraph_format.space_after = Pt(2)
    run = p.add_run()
    run.font.size = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)


def fresh_cell(cell: _Cell, width: int) -> _Cell:
    cell.width = width
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cell


def fixed_widths(table: Table, widths: list[int]) -> None:
    """Column widths Word and LibreOffice both keep: the grid, every cell, fixed layout."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def header(doc: Document, letter: bool) -> None:
    """Issuing body | motto; number | place and date (a công văn: its V/v under the number)."""
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_widths(table, [LEFT_W, RIGHT_W])
    left, right = (
        fresh_cell(c, w) for c, w in zip(table.rows[0].cells, (LEFT_W, RIGHT_W), strict=True)
    )
    para(left, "{{ issuer_parent }}", 13, bold=True)  # one body: both lines bold
    para(left, "{{ issuer_name }}", 13, bold=True)
    rule(left, LEFT_W, Mm(25))
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True)
    para(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True)
    rule(right, RIGHT_W, Mm(60))
    left, right = (
        fresh_cell(c, w) for c, w in zip(table.rows[1].cells, (LEFT_W, RIGHT_W), strict=True)
    )
    para(left, "Số: {{ number }}", 13)
    if letter:
        para(left, "V/v {{ summary }}", 12)
    para(right, "{{ place_date }}", 14, italic=True)
    para(doc, "", after=6)


def title(doc: Document, kind: str) -> None:
    para(doc, kind, 14, bold=True)
    para(doc, "{{ summary }}", 14, bold=True)
    rule_holder = doc.add_table(rows=1, cols=1)
    rule_holder.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_widths(rule_holder, [Mm(165)])
    rule(fresh_cell(rule_holder.rows[0].cells[0], Mm(165)), Mm(165), Mm(40))
    para(doc, "", after=6)


def paragraphs(doc: Document, name: str) -> None:
    """A list of body paragraphs from the context, each justified and indented."""
    para(doc, "{%p for text in " + name + " %}", align=None)
    para(doc, "{{ text }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
    para(doc, "{%p endfor %}", align=None)


def section(doc: Document, heading: str, name: str) -> None:
    para(doc, heading, 14, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, indent=True, after=6)
    paragraphs(doc, name)


def signature(doc: Document) -> None:
    para(doc, "", after=6)
    table = doc.add_table(rows=1, cols=2)
    fixed_widths(table, [Mm(80), Mm(85)])
    keep_together = OxmlElement("w:cantSplit")  # the block never splits across pages
    table.rows[0]._tr.get_or_add_trPr().append(keep_together)
    left, right = (
        fresh_cell(c, w) for c, w in zip(table.rows[0].cells, (Mm(80), Mm(85)), strict=True)
    )
    para(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    para(left, "{%p for line in recipients %}", align=None)
    para(left, "- {{ line }}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    para(left, "{%p endfor %}", align=None)
    para(right, "{{ sign_for }}", 14, bold=True)
    para(right, "{{ sign_title }}", 14, bold=True)
    for _ in range(4):  # room for the signature and the seal
        para(right, "")
    para(right, "{{ signer }}", 14, bold=True)


ANNEX_COLUMNS = [  # (heading, context field of a unit row, width in mm)
    ("TT", "no", 9),
    ("Đơn vị", "name", 40),
    ("Lớp tập huấn / người tham gia", "training", 18),
    ("Cán bộ truyền thông / người phát ngôn", "staff", 18),
    ("Họp báo", "conferences", 13),
    ("Yêu cầu báo chí nhận / trả lời", "press", 18),
    ("Sự việc đột xuất / phát ngôn kịp thời", "events", 18),
    ("Tin, bài Cổng TTĐT", "portal", 14),
    ("Tin, bài Trung tâm VH-TT&TT", "centre", 16),
    ("Tin, bài đài truyền thanh xã", "loudspeaker", 15),
    ("Dự thảo chính sách đã truyền thông", "drafts", 16),
    ("Tin giả phát hiện / xử lý", "fake_news", 15),
    ("Kinh phí (đồng)", "budget", 20),
    ("Ghi chú", "note", 22),
]


def annex(doc: Document) -> None:
    """A landscape page: every unit's figures, one row each, and the total."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.top_margin = sec.bottom_margin = Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    para(doc, "PHỤ LỤC", 14, bold=True)
    para(doc, "SỐ LIỆU KẾT QUẢ TRUYỀN THÔNG CHÍNH SÁCH NĂM {{ year }} CỦA CÁC ĐƠN VỊ", 13, True)
    para(doc, "(Kèm theo Báo cáo số {{ number }} ngày {{ date_text }} của {{ issuer_title }})",
         13, italic=True, after=6)  # fmt: skip
    table = doc.add_table(rows=4, cols=len(ANNEX_COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head, loop, row, end = table.rows
    for i, (label, field, width) in enumerate(ANNEX_COLUMNS):
        for r in table.rows:
            fresh_cell(r.cells[i], Mm(width))
        para(head.cells[i], label, 10, bold=True)
        left = field in ("name", "note")
        align = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        para(row.cells[i], "{{ u." + field + " }}", 11, align=align)
        para(loop.cells[i], "{%tr for u in annex_rows %}" if i == 0 else "", 10)
        para(end.cells[i], "{%tr endfor %}" if i == 0 else "", 10)
    total = table.add_row()
    for i, (_, field, width) in enumerate(ANNEX_COLUMNS):
        fresh_cell(total.cells[i], Mm(width))
        text = "Tổng cộng" if field == "name" else ("" if field in ("no", "note") else
                                                    "{{ annex_total." + field + " }}")  # fmt: skip
        para(total.cells[i], text, 11, bold=True)
    fixed_widths(table, [Mm(width) for _, _, width in ANNEX_COLUMNS])
    para(doc, "{%p if missing_units %}", align=None)
    para(doc, "Đơn vị không báo cáo: {{ missing_units|join(', ') }}.", 12, italic=True,
         align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
    para(doc, "{%p endif %}", align=None)


def annual_report() -> Document:
    """P3: the district's consolidated report (BC-UBND), sections I–V and the annex."""
    doc = new_document()
    header(doc, letter=False)
    title(doc, "BÁO CÁO")
    paragraphs(doc, "basis")
    section(doc, "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "leadership")
    section(doc, "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CỦA KẾ HOẠCH", "results")
    para(doc, "{%p for task in plan_tasks %}", align=None)
    para(doc, "{{ task.no }}. {{ task.title }} ({{ task.unit }}): {{ task.status }}.",
         align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)  # fmt: skip
    para(doc, "{%p endfor %}", align=None)
    section(doc, "III. ĐÁNH GIÁ CHUNG", "assessment")
    section(doc, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {{ year + 1 }}", "next_year")
    section(doc, "V. ĐỀ XUẤT, KIẾN NGHỊ", "proposals")
    paragraphs(doc, "closing")
    signature(doc)
    annex(doc)
    return doc


def letter() -> Document:
    """A công văn (no type heading: the V/v sits under the number), e.g. the reminder."""
    doc = new_document()
    header(doc, letter=True)
    para(doc, "Kính gửi: {{ addressees|join('; ') }}.", 14, after=6)
    paragraphs(doc, "body")
    signature(doc)
    return doc


def typed(kind: str) -> Document:
    """A document of a named type (QUYẾT ĐỊNH, GIẤY ỦY QUYỀN, BÁO CÁO): type, trích yếu,
    body paragraphs, recipients and signature."""
    doc = new_document()
    header(doc, letter=False)
    title(doc, kind)
    paragraphs(doc, "body")
    signature(doc)
    return doc


TEMPLATES = {
    "ar_report": annual_report,  # P3: báo cáo tổng hợp BC-UBND
    "ar_reminder": letter,  # P3: công văn đôn đốc
    "ct_decision": lambda: typed("QUYẾT ĐỊNH"),  # P2: quyết định thành lập Tổ công tác
    "ct_province_report": lambda: typed("BÁO CÁO"),  # P2: báo cáo UBND tỉnh
    "ps_authorisation": lambda: typed("GIẤY ỦY QUYỀN"),  # P1: ủy quyền phát ngôn
    "ps_refusal": letter,  # P1: công văn từ chối cung cấp thông tin
    "ir_letter": letter,  # P4: every công văn to a citizen who asked for information
}


def main(folder: Path = HERE) -> None:
    for key, build in TEMPLATES.items():
        doc = build()
        doc.core_properties.title = key
        doc.save(str(folder / f"{key}.docx"))
        print(folder / f"{key}.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
