"""Photos picked from files, shown as thumbnails before they are saved with a record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.kit.prompts import Prompts

THUMB = QSize(120, 90)
MAX_PHOTO_BYTES = 50 * 1024 * 1024  # the attachment store's limit
IMAGE_FILTER = "图片 (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;所有文件 (*)"
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Photo:
    file_name: str
    data: bytes
    thumbnail: QPixmap
    size: QSize  # of the full image


def pick_files(prompts: Prompts, parent: QWidget, title: str, filters: str) -> list[str]:
    """Several files chosen by the person (an empty list when they cancelled).

    A `Prompts` that can answer for several files (`open_files`) is asked; one that only answers
    for a single file (a scripted one) is asked once; otherwise Qt's own dialog opens.
    """
    several = getattr(prompts, "open_files", None)
    if callable(several):
        return list(several(parent, title, filters))
    if type(prompts).open_file is not Prompts.open_file:
        one = prompts.open_file(parent, title, filters)
        return [one] if one else []
    paths, _ = QFileDialog.getOpenFileNames(parent, title, "", filters)
    return list(paths)


def make_photo(file_name: str, data: bytes) -> Photo:
    """The photo with its thumbnail; ValueError (in Chinese) when it is not an image we can read."""
    if not data:
        raise ValueError(f"“{file_name}”是空文件。")
    if len(data) > MAX_PHOTO_BYTES:
        raise ValueError(f"“{file_name}”超过 50 MB，请压缩后再添加。")
    image = QImage()
    if not image.loadFromData(data):
        raise ValueError(f"“{file_name}”不是能识别的图片文件。")
    thumb = QPixmap.fromImage(
        image.scaled(
            THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    )
    return Photo(file_name, data, thumb, image.size())


class PhotoListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.photos: list[Photo] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.photos)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.photos):
            return None
        photo = self.photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return photo.file_name
        if role == Qt.ItemDataRole.DecorationRole:
            return photo.thumbnail
        if role == Qt.ItemDataRole.ToolTipRole:
            kb = max(1, round(len(photo.data) / 1024))
            return f"{photo.file_name}\n{photo.size.width()}×{photo.size.height()}，{kb} KB"
        return None

    def add(self, photo: Photo) -> None:
        row = len(self.photos)
        self.beginInsertRows(QModelIndex(), row, row)
        self.photos.append(photo)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.photos):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.photos[row]
            self.endRemoveRows()


class PhotoStrip(QWidget):
    """Thumbnails in a row, with 添加照片… and 移除; `photos()` gives (file name, bytes)."""

    changed = Signal()
    failed = Signal(str)  # why a picked file was not added

    def __init__(self, prompts: Prompts | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompts = prompts or Prompts()
        self.model = PhotoListModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setIconSize(THUMB)
        self.view.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 34))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setFixedHeight(THUMB.height() + 56)
        self.empty_label = QLabel("还没有照片。可添加开箱时拍摄的包装、铅封、外观照片。")
        self.empty_label.setStyleSheet("color: palette(mid);")
        self.add_button = QPushButton("添加照片…")
        self.remove_button = QPushButton("移除")
        self.remove_button.setToolTip("移除选中的照片（不会删除原文件）")
        self.add_button.clicked.connect(self.add_from_dialog)
        self.remove_button.clicked.connect(self.remove_selected)
        self.view.selectionModel().selectionChanged.connect(self._update)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.empty_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        self._update()

    def photos(self) -> list[tuple[str, bytes]]:
        return [(p.file_name, p.data) for p in self.model.photos]

    def add_from_dialog(self) -> None:
        paths = pick_files(self.prompts, self, "添加照片", IMAGE_FILTER)
        if paths:
            self.add_files(paths)

    def add_files(self, paths: list[str]) -> list[str]:
        """Add each readable image; returns why the others were left out (also `failed`)."""
        problems = []
        have = {p.data for p in self.model.photos}
        for path in paths:
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
                if data in have:
                    continue  # the same picture twice is stored once anyway
                photo = make_photo(name, data)
            except OSError as exc:
                problems.append(f"无法读取“{name}”：{exc.strerror or exc}")
                continue
            except ValueError as exc:
                problems.append(str(exc))
                continue
            have.add(data)
            self.model.add(photo)
        self._update()
        self.changed.emit()
        if problems:
            self.failed.emit("\n".join(problems))
        return problems

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()}, reverse=True)
        for row in rows:
            self.model.remove(row)
        self._update()
        self.changed.emit()

    def _update(self, *_args: Any) -> None:
        count = self.model.rowCount()
        self.empty_label.setText(
            f"已添加 {count} 张照片，保存时随开箱检查记录一并存档。"
            if count
            else "还没有照片。可添加开箱时拍摄的包装、铅封、外观照片。"
        )
        selected = bool(self.view.selectionModel().selectedIndexes())
        self.remove_button.setEnabled(selected)
