#!/usr/bin/env python3
"""Writes the import templates in this folder from one table, so the three formats say the same.

    python3 server/data/templates/make_templates.py

- resources.csv: UTF-8 with a byte order mark (Excel opens it as UTF-8), CRLF line ends, the
  Chinese headers the importer reads, one example row per kind.
- resources.xlsx: the same rows in a workbook (first sheet: the rows the importer reads; second
  sheet: what each column takes); deterministic bytes (fixed zip times).
- resources.jsonl: the same resources as JSON Lines, with the interchange field names.

The examples are fictitious (example.org addresses, 555 numbers). `docs/formats.md` describes every
field; the server serves these files at /api/v1/import/templates/{name} and a test imports each.
"""

import json
import os
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))

# (field, Chinese header, what it takes) in column order.
COLUMNS = [
    ("id", "编号", "必填。1–128 个字符：字母、数字、. _ : -；在目录中唯一"),
    ("kind", "类型", "必填。专家、科技成果（或 成果）、专利、机构；或 expert、achievement、patent、organization"),
    ("title", "名称", "名称或摘要至少填一项。专家填姓名，机构填机构名称"),
    ("summary", "摘要", "成果或专利摘要、专家简介、机构简介"),
    ("keywords", "关键词", "多个用 ; 或 ； 分隔"),
    ("disciplines", "学科", "GB/T 13745 代码（如 470）或学科名称（如 电气工程）；多个用 ; 分隔"),
    ("industries", "行业", "GB/T 4754-2017 代码（门类字母、2、3 或 4 位，如 C3841、4419、M）；多个用 ; 分隔"),
    ("region", "地区", "GB/T 2260 代码（省、市或区县，如 440305）"),
    ("organization", "单位", "所在单位或所属机构"),
    ("society", "学会", "通过哪个全国学会对接"),
    ("modes", "合作方式", "技术转让、技术许可、联合攻关、技术咨询、技术培训、技术入股、成果推广（或英文代码）；多个用 ; 分隔"),
    ("maturity", "成熟度", "技术成熟度 TRL 1–9，仅科技成果和专利"),
    ("patent.number", "专利号", "仅专利"),
    ("patent.ipc", "IPC分类号", "仅专利；多个用 ; 分隔"),
    ("patent.status", "法律状态", "仅专利，如 授权、实审"),
    ("position", "职称", "仅专家，如 教授、研究员"),
    ("expertise", "专长", "专家的专长；多个用 ; 分隔"),
    ("contact.name", "联系人", "不公开：只随带令牌的导出出现"),
    ("contact.phone", "联系电话", "不公开"),
    ("contact.email", "邮箱", "不公开"),
    ("updated_at", "更新时间", "RFC 3339 时间，如 2025-01-15T08:00:00+08:00"),
]

LIST_FIELDS = {"keywords", "disciplines", "industries", "modes", "patent.ipc", "expertise"}
MODE_CODES = {
    "技术转让": "transfer", "技术许可": "license", "联合攻关": "joint_rd", "技术咨询": "consulting",
    "技术培训": "training", "技术入股": "equity", "成果推广": "promotion",
}
KIND_CODES = {"专家": "expert", "科技成果": "achievement", "专利": "patent", "机构": "organization"}

# One example per kind. List cells use "；" or ";" as a clerk would type them.
ROWS = [
    {
        "id": "example-expert-001", "kind": "专家", "title": "王示例",
        "summary": "长期从事锂离子电池热管理与储能安全研究，主持储能电站热失控预警项目多项。",
        "keywords": "锂离子电池；热失控；储能安全", "disciplines": "电气工程",
        "industries": "C3841", "region": "440305", "organization": "示例理工大学",
        "society": "中国电工技术学会", "modes": "技术咨询；联合攻关", "position": "教授",
        "expertise": "电池热管理；储能系统安全", "contact.name": "王示例",
        "contact.phone": "010-5550-0101", "contact.email": "wang@example.org",
        "updated_at": "2025-01-15T08:00:00+08:00",
    },
    {
        "id": "example-achievement-001", "kind": "科技成果",
        "title": "储能电站锂电池热失控早期预警系统",
        "summary": "融合气体、温度与电压信号，在热失控发生前数分钟发出预警，已在两座储能电站试运行。",
        "keywords": "热失控预警;储能电站;多源信号融合", "disciplines": "470;520",
        "industries": "3841;4419", "region": "440100", "organization": "示例储能技术研究院",
        "society": "中国电工技术学会", "modes": "技术转让;技术许可", "maturity": "6",
        "contact.name": "李示例", "contact.phone": "020-5550-0102",
        "contact.email": "li@example.org", "updated_at": "2025-02-01T00:00:00Z",
    },
    {
        "id": "example-patent-001", "kind": "专利", "title": "一种锂电池模组的热失控抑制装置",
        "summary": "在模组间设置相变材料隔层与泄压通道，延缓热失控在电芯间蔓延。",
        "keywords": "热失控抑制；相变材料；电池模组", "disciplines": "电气工程", "industries": "3841",
        "region": "320102", "organization": "示例新能源科技有限公司", "modes": "技术许可",
        "maturity": "5", "patent.number": "CN205550000001.X", "patent.ipc": "H01M10/658；H01M50/383",
        "patent.status": "授权", "updated_at": "2025-03-10T00:00:00Z",
    },
    {
        "id": "example-org-001", "kind": "机构", "title": "示例省储能安全工程技术研究中心",
        "summary": "面向储能企业提供电池安全测试、标准咨询与人员培训。",
        "keywords": "储能安全；检测认证；技术培训", "disciplines": "动力与电气工程",
        "industries": "M;7320", "region": "330106", "society": "中国电工技术学会",
        "modes": "技术咨询；技术培训；成果推广", "contact.name": "赵示例",
        "contact.phone": "0571-5550-0104", "contact.email": "contact@example.org",
    },
]


def split_list(text):
    return [item.strip() for item in text.replace("；", ";").split(";") if item.strip()]


def as_json(row):
    """The row as an interchange record: codes for kind and modes, lists as arrays."""
    record = {}
    for field, _, _ in COLUMNS:
        cell = row.get(field, "")
        if not cell:
            continue
        if field == "kind":
            value = KIND_CODES[cell]
        elif field == "modes":
            value = [MODE_CODES[mode] for mode in split_list(cell)]
        elif field in LIST_FIELDS:
            value = split_list(cell)
        elif field == "maturity":
            value = int(cell)
        else:
            value = cell
        if "." in field:
            outer, inner = field.split(".")
            record.setdefault(outer, {})[inner] = value
        else:
            record[field] = value
    return record


def write_csv(path):
    def cell(text):
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text
    lines = [",".join(header for _, header, _ in COLUMNS)]
    for row in ROWS:
        lines.append(",".join(cell(row.get(field, "")) for field, _, _ in COLUMNS))
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def write_jsonl(path):
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for row in ROWS:
            out.write(json.dumps(as_json(row), ensure_ascii=False) + "\n")


def column_name(index):
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def sheet_xml(rows, widths, numeric=(), frozen=True):
    """A worksheet of text cells (inline strings), numbers for the columns in `numeric`, the first
    row bold (style 1) and every other cell text-formatted (style 2), so 0571 and 440305 stay text."""
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    if frozen:
        parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    parts.append("<cols>")
    for index, width in enumerate(widths):
        parts.append(f'<col min="{index + 1}" max="{index + 1}" width="{width}" customWidth="1"/>')
    parts.append("</cols><sheetData>")
    for row_index, row in enumerate(rows):
        parts.append(f'<row r="{row_index + 1}">')
        for column_index, text in enumerate(row):
            if text == "":
                continue
            reference = f"{column_name(column_index)}{row_index + 1}"
            style = 1 if row_index == 0 else 2
            if row_index > 0 and column_index in numeric:
                parts.append(f'<c r="{reference}"><v>{text}</v></c>')
            else:
                parts.append(f'<c r="{reference}" s="{style}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '</styleSheet>'
)


def write_xlsx(path):
    data = [[header for _, header, _ in COLUMNS]]
    data += [[row.get(field, "") for field, _, _ in COLUMNS] for row in ROWS]
    maturity = [field for field, _, _ in COLUMNS].index("maturity")
    widths = [max(10, min(40, 2 * max(len(line[i]) for line in data) + 2)) for i in range(len(COLUMNS))]
    notes = [["列", "字段", "填写说明"]] + [[header, field, note] for field, header, note in COLUMNS]
    notes.append(["", "", "导入时只读第一张工作表；示例行请替换为实际数据。详见 docs/formats.md。"])
    files = [
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
         '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
         '</Types>'),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>'),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheets><sheet name="资源" sheetId="1" r:id="rId1"/><sheet name="说明" sheetId="2" r:id="rId2"/></sheets>'
         '</workbook>'),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
         '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
         '</Relationships>'),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", sheet_xml(data, widths, numeric={maturity})),
        ("xl/worksheets/sheet2.xml", sheet_xml(notes, [12, 16, 90])),
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))


if __name__ == "__main__":
    write_csv(os.path.join(HERE, "resources.csv"))
    write_xlsx(os.path.join(HERE, "resources.xlsx"))
    write_jsonl(os.path.join(HERE, "resources.jsonl"))
    print("wrote resources.csv, resources.xlsx, resources.jsonl")
