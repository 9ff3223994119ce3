"""Reading the State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知).

Each November the General Office publishes next year's holidays and make-up workdays; a factory
learns its calendar from that text (issue 8). A clerk pastes it from a web page, a PDF or a chat
message, so the text comes with full-width digits and punctuation, stray spaces and line breaks
anywhere, even inside a date. The reader finds the year in the title or body, then every item
("一、元旦：…", "六、国庆节、中秋节：…") and in it every holiday range and make-up workday.

It reads all or nothing: a sentence inside an item that names dates it cannot place, a date that
does not exist, a weekday in brackets that does not match the date, or a range whose length is not
the "共N天" the notice says, refuses the whole text with the line it stopped at. A half-read notice
would silently move deadlines.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.errors import DomainError

WEEKDAYS = "一二三四五六日"
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
MAX_NOTICE_BYTES = 200_000  # a notice is 2 KB; a big file is the wrong file
LONGEST_HOLIDAY = 15  # no statutory holiday has lasted longer; a longer range is a misreading

# Not after a Chinese character or digit: "初七、" inside "（农历正月初七、周二）" is no ordinal.
_ORDINAL = r"(?<![\u4e00-\u9fff\d])(?:[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[、.])"
_FESTIVAL = "|".join(FESTIVALS)
# "二、春节：" anywhere (a one-line paste keeps its ordinals); a bare "春节：" only at a line start.
_ITEM = re.compile(
    rf"{_ORDINAL}(?P<name>[^:。\n]{{1,16}}):|(?m:^)(?P<bare>(?:{_FESTIVAL})(?:、(?:{_FESTIVAL}))*):"
)
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\((?P<aside>[^()]*)\))?"
)
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_COUNT = re.compile(r"(?:共|放假|连休)(\d{1,2})天")
_TO = re.compile(r"^(?:至|到|~|-|—|－)$")
_YEAR = (
    re.compile(r"(\d{4})年(?:部分)?节假日安排"),
    re.compile(r"现将(\d{4})年"),
)
_HOLIDAY_WORDS = ("放假", "休假", "调休", "连休", "休息", "补休", "公休")  # older notices too


class NoticeUnreadable(DomainError):
    """A notice text the program cannot read whole; `line` is where it stopped (1-based)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class NoticeLine:
    """One item of the notice: "春节" with its days off and its make-up workdays."""

    line: int
    name: str
    text: str
    holidays: tuple[dt.date, ...]
    workdays: tuple[dt.date, ...]

    @property
    def holidays_text(self) -> str:
        """“1月28日至2月4日”: how a person reads the days off."""
        return days_text(self.holidays)

    @property
    def workdays_text(self) -> str:
        return days_text(self.workdays)


def days_text(days: tuple[dt.date, ...] | list[dt.date]) -> str:
    """Consecutive days as one range (“10月1日至8日”, “5月31日至6月2日”), the rest one by one."""
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    texts = []
    for run in runs:
        first, last = run[0], run[-1]
        text = _md(first)
        if last != first:
            text += f"至{'' if last.month == first.month else f'{last.month}月'}{last.day}日"
        texts.append(text)
    return "、".join(texts)


@dataclass(frozen=True)
class NoticeYear:
    """What a notice says: the year, every day off it lists (weekends inside a range too) and
    every make-up workday, each list in date order; `lines` are its items as read."""

    year: int
    holidays: list[dt.date]
    workdays: list[dt.date]
    lines: tuple[NoticeLine, ...]

    def name_of(self, day: dt.date) -> str:
        """The festival a listed day belongs to ("" when the notice does not list it)."""
        for item in self.lines:
            if day in item.holidays or day in item.workdays:
                return item.name
        return ""


class _Text:
    """The pasted text, normalized, with each line's start so a position names its line."""

    def __init__(self, raw: str) -> None:
        self.raw_lines = raw.splitlines()
        cleaned = [_clean(line) for line in self.raw_lines]
        self.starts: list[int] = []
        offset = 0
        for line in cleaned:
            self.starts.append(offset)
            offset += len(line) + 1
        self.flat = "\n".join(cleaned)

    def line_at(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position)

    def refuse(self, position: int, why: str) -> NoticeUnreadable:
        line = self.line_at(position)
        shown = self.raw_lines[line - 1].strip() if 0 < line <= len(self.raw_lines) else ""
        if len(shown) > 60:
            shown = shown[:60] + "…"
        return NoticeUnreadable(f"第 {line} 行无法识别：“{shown}”——{why}", line)


def _clean(line: str) -> str:
    """Full-width digits and punctuation to plain ones, every kind of space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", line))


_FULL_WIDTH = str.maketrans("():,", "（）：，")


def _shown(text: str) -> str:
    """Plain brackets and commas back to the full-width ones a Chinese text is read with."""
    return text.translate(_FULL_WIDTH)


def notice_file_text(path: str) -> str:
    """A notice saved as a text file: UTF-8 (with or without BOM), else the GB18030 that
    Notepad on a Chinese Windows writes."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DomainError(f"找不到文件 {path}。") from None
    except OSError as exc:
        raise DomainError(f"无法读取文件 {path}（{type(exc).__name__}）。") from None
    if len(data) > MAX_NOTICE_BYTES:
        raise DomainError(f"{path} 有 {len(data) // 1024} KB，不像是一份放假通知的文本。")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_notice(text: str) -> NoticeYear:
    """The year's holidays and make-up workdays from the notice's text, or NoticeUnreadable."""
    source = _Text(text)
    year = _year(source)
    matches = list(_ITEM.finditer(source.flat))
    if not matches:
        raise NoticeUnreadable(
            "通知中没有找到放假安排：应有“一、元旦：1月1日放假……”这样按节日分列的条目。"
        )
    lines = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(source.flat)
        name = (match.group("name") or match.group("bare")).replace("\n", "")
        lines.append(_read_item(source, year, name, match.start(), match.end(), end))
    holidays = sorted({d for item in lines for d in item.holidays})
    workdays = sorted({d for item in lines for d in item.workdays})
    both = sorted(set(holidays) & set(workdays))
    if both:
        day = both[0]
        item = next(i for i in lines if day in i.workdays)
        raise source.refuse(
            source.starts[item.line - 1], f"{_md(day)}既列为放假又列为上班，请核对通知原文。"
        )
    return NoticeYear(year, holidays, workdays, tuple(lines))


def _year(source: _Text) -> int:
    """The year in the title, and in "现将20XX年……" of the body; the two must agree."""
    joined = source.flat.replace("\n", "")
    said = [int(found.group(1)) for pattern in _YEAR if (found := pattern.search(joined))]
    if not said:
        raise NoticeUnreadable(
            "读不出通知的年份：标题或正文中应有“国务院办公厅关于20XX年部分节假日安排的通知”。"
        )
    if len(set(said)) > 1:
        raise NoticeUnreadable(
            f"通知的年份前后不一：标题是 {said[0]} 年，正文是 {said[-1]} 年，请核对原文。"
        )
    return said[0]


def _read_item(source: _Text, year: int, name: str, start: int, body: int, end: int) -> NoticeLine:
    """One item: its sentences until the prose after it ("节假日期间……")."""
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    month: int | None = None
    read_to = body
    position = body
    for sentence in source.flat[body:end].split("。"):
        here, position = position, position + len(sentence) + 1
        new_line = sentence.startswith("\n")
        here += len(sentence) - len(sentence.lstrip("\n"))
        plain = sentence.replace("\n", "")
        if not plain:
            continue
        if _is_prose(plain, new_line):
            break  # "节假日期间……", the signature: the items are over
        month = _read_sentence(source, here, plain, year, month, holidays, workdays)
        read_to = min(position, end)
    if not holidays:
        raise source.refuse(start, f"“{name}”一项没有读到放假日期。")
    text = _shown(source.flat[start:read_to].replace("\n", "").rstrip("。") + "。")
    return NoticeLine(
        source.line_at(start), name, text, tuple(sorted(holidays)), tuple(sorted(workdays))
    )


def _is_prose(sentence: str, new_line: bool) -> bool:
    """A sentence that arranges no day: the text after the items (or a remark inside one)."""
    if "国务院办公厅" in sentence:
        return True
    dated = _DATE.search(sentence) is not None
    if not dated and _COUNT.search(sentence) is None:
        return True
    arranges = (
        "上班" in sentence
        or _COUNT.search(sentence) is not None
        or any(word in sentence for word in _HOLIDAY_WORDS)
    )
    # A paragraph of its own that names a date but arranges nothing (the date it was signed).
    return not arranges and new_line


def _clauses(sentence: str) -> list[str]:
    """The sentence cut at its commas, but not at one inside brackets ("（除夕，周二）")."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in sentence:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _read_sentence(
    source: _Text,
    position: int,
    sentence: str,
    year: int,
    month: int | None,
    holidays: list[dt.date],
    workdays: list[dt.date],
) -> int | None:
    """Clause by clause: "1月28日至2月4日放假调休", "共8天", "1月26日、2月8日上班"."""
    last_range: list[dt.date] = []
    for clause in _clauses(sentence):
        dates, month = _dates(source, position, clause, year, month)
        count = _COUNT.search(clause)
        if "上班" in clause or "工作" in clause:
            if not dates:
                raise source.refuse(position, "“上班”前没有读到日期。")
            workdays.extend(dates)
        elif dates and any(word in clause for word in _HOLIDAY_WORDS):
            last_range = _holiday_days(source, position, clause, dates)
            holidays.extend(last_range)
        elif dates:
            raise source.refuse(position, f"读到了日期，但不知是放假还是上班：“{_shown(clause)}”。")
        if count:
            days = int(count.group(1))
            if not last_range:
                raise source.refuse(position, f"“共{days}天”前没有读到放假日期。")
            if len(last_range) != days:
                raise source.refuse(
                    position,
                    f"{_md(last_range[0])}至{_md(last_range[-1])}是 {len(last_range)} 天，"
                    f"通知写的是共 {days} 天。",
                )
    return month


def _dates(
    source: _Text, position: int, clause: str, year: int, month: int | None
) -> tuple[list[dt.date], int | None]:
    """The dates of a clause; a date without a month takes the month before it ("至8日")."""
    found: list[dt.date] = []
    clause_year = year
    for match in _DATE.finditer(clause):
        if match.group("y"):
            clause_year = int(match.group("y"))
        if match.group("m"):
            month = int(match.group("m"))
        if month is None:
            raise source.refuse(position, f"“{match.group(0)}”没有月份。")
        try:
            day = dt.date(clause_year, month, int(match.group("d")))
        except ValueError:
            raise source.refuse(
                position, f"{clause_year}年{month}月{match.group('d')}日不是有效日期。"
            ) from None
        if found and day < found[-1] and not match.group("y") and not match.group("m"):
            # "12月31日至1月2日" has its month; a bare day smaller than the one before is wrong.
            raise source.refuse(position, f"“{match.group(0)}”早于它前面的日期。")
        if found and day < found[-1] and not match.group("y"):
            day = day.replace(year=day.year + 1)  # a range over New Year
        _check_weekday(source, position, day, match.group("aside") or "")
        found.append(day)
    return found, month


def _check_weekday(source: _Text, position: int, day: dt.date, aside: str) -> None:
    """ "1月26日（周日）": a weekday that does not match means a wrong year or a typo."""
    said = _WEEKDAY.search(aside)
    if not said:
        return
    named = WEEKDAYS.index("日" if said.group(1) == "天" else said.group(1))
    if named != day.weekday():
        raise source.refuse(
            position,
            f"{day.year}年{_md(day)}是周{WEEKDAYS[day.weekday()]}，通知写的是周{WEEKDAYS[named]}"
            "（年份或日期有误？）。",
        )


def _holiday_days(source: _Text, position: int, clause: str, dates: list[dt.date]) -> list[dt.date]:
    """ "A至B放假" is every day from A to B; otherwise each date named is a day off."""
    ranged = len(dates) == 2 and bool(_TO.match(_between_dates(clause)[0]))
    if not ranged:
        return list(dates)
    first, last = dates
    length = (last - first).days + 1
    if length > LONGEST_HOLIDAY:
        raise source.refuse(
            position, f"{_md(first)}至{_md(last)}长达 {length} 天，不像是一个假期。"
        )
    return [first + dt.timedelta(days=i) for i in range(length)]


def _between_dates(clause: str) -> list[str]:
    """The text between consecutive dates of a clause ("至" in "1月1日至3日")."""
    spans = [m.span() for m in _DATE.finditer(clause)]
    return [clause[a[1] : b[0]] for a, b in zip(spans, spans[1:], strict=False)]


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"
