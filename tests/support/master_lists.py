"""Master-list workbooks built in the test, the way factories type them: titles, odd headers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

Rows = Sequence[Sequence[object]]


def write_master_list(path: Path, *sheets: tuple[str, Rows]) -> Path:
    """A workbook with the given sheets (name, rows) in that order."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


UNITS: Rows = (
    ("某厂主数据清单——单位",),
    (),
    ("序号", "单位名称", "单位类别"),
    (1, "总体设计部", "总体单位"),
    (2, "物资管理部门", "物资管理部门"),
    (3, "惯性导航研究所", "承制单位"),
    (4, "伺服机构厂", "承制单位"),
    (5, "某部队修理所", "用户单位"),
)
MODELS: Rows = (
    ("型号及配套关系",),
    ("产品代号", "产品名称", "图号", "层级", "上级产品代号", "承制单位"),
    # A child before its parent, full-width letters and stray spaces as typed.
    ("ＧＣ－１２Ａ ", " 惯性测量组合", "GC12A-1000", "分系统", "ZT-1", "惯性导航研究所 "),
    ("ZT-1", "某型制导系统", "ZT1-0000", "总体", "", ""),
    ("SF-3", "舵机", "SF3-2000", " 分系统", "ZT-1", "伺服机构厂"),
    ("GC-12A-G", "光纤陀螺", "GC12AG-1100", "单机", "GC-12A", "惯性导航研究所"),
)
