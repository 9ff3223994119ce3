"""A frozen build starts itself as the list reader's child: `fanxiu --fanxiu-sheet-reader FILE`
reads the sheet and answers on stdout before argparse or Qt are involved."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook

from app import cli
from app.services.handover import sheet_guard


def test_the_entry_point_serves_the_sheet_readers_child(tmp_path: Path) -> None:
    assert cli.SHEET_READER_FLAG == sheet_guard.CHILD_FLAG
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["型号", "出厂编号"])
    sheet.append(["GC-12A", "S-1"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    # Its own process: the child limits its memory and time, which must not touch the tests'.
    done = subprocess.run(
        [sys.executable, "-m", "app", cli.SHEET_READER_FLAG, str(path)],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert "S-1" in repr(pickle.loads(done.stdout))
