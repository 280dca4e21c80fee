"""Structure of a plan laid out like the national anti-trafficking action plans.

Layout read (each on its own line, full-width punctuation after cleaning):
  一、chapter title                 (一)section title。[body]      1.part title。
  (1)numbered measure[(agency tag)]  ——bullet[(agency tag)]         plain paragraph
A section with body text in a chapter without parts is itself a passage (a guiding
principle, a goal, or a guarantee measure); a part titled 工作目標 holds a goal paragraph;
a part of measures holds numbered measures and their bullets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUMERALS = "一二三四五六七八九十"
_CHAPTER = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_SECTION = re.compile(r"^（([一二三四五六七八九十]+)）(.+)$")
_PART = re.compile(r"^(\d+)\.(.+)$")
_MEASURE = re.compile(r"^（(\d+)）(.+)$")
_BULLET = re.compile(r"^——(.+)$")
_LEAD = ("負責", "负责")
_COOP = ("配合",)
# The agency tag closes the line: （A、B負責，C、D配合）
_TAG = re.compile(r"（([^（）]*(?:負責|负责|配合))）$")
_OPEN_TAG = re.compile(r"（[^（）]*(?:負責|负责|配合)[^（）]*$")


class ParseError(ValueError):
    """Text the parser cannot place; the message names the line."""


@dataclass(frozen=True)
class Tag:
    lead: tuple[str, ...] = ()
    cooperating: tuple[str, ...] = ()


@dataclass
class Node:
    """A heading or a passage before translation and agency resolution."""

    id: str
    kind: str  # chapter | section | part | principle | goal | measure | bullet | guarantee
    title: str  # headings: their title; passages: '' (measures keep their first sentence)
    text: str = ""
    tag: Tag = field(default_factory=Tag)
    line: int = 0
    parent: Node | None = None

    @property
    def ancestors(self) -> list[Node]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


PASSAGE_KINDS = ("principle", "goal", "measure", "bullet", "guarantee")


def cn_number(numeral: str) -> int:
    """一..九十九 as an int (enough for chapter and section numbers)."""
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (CN_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (
            CN_NUMERALS.index(ones) + 1 if ones else 0
        )
    return CN_NUMERALS.index(numeral) + 1


def parse_tag(tag: str, line: int) -> Tag:
    """'A、B負責，C配合' -> lead (A, B), cooperating (C)."""
    lead: list[str] = []
    coop: list[str] = []
    for clause in re.split(r"[，,]", tag):
        clause = clause.strip()
        if clause.endswith(_LEAD):
            lead.extend(clause[:-2].split("、"))
        elif clause.endswith(_COOP):
            coop.extend(clause[:-2].split("、"))
        else:
            raise ParseError(f"line {line}: agency tag clause {clause!r} has no 負責 or 配合")
    names = [*lead, *coop]
    if any(not name.strip() for name in names):
        raise ParseError(f"line {line}: empty agency name in tag {tag!r}")
    return Tag(tuple(n.strip() for n in lead), tuple(n.strip() for n in coop))


def split_tag(body: str, line: int) -> tuple[str, Tag]:
    """Separate a line's closing agency tag from its text."""
    match = _TAG.search(body)
    if match:
        return body[: match.start()].rstrip(), parse_tag(match[1], line)
    if _OPEN_TAG.search(body):
        raise ParseError(f"line {line}: unclosed agency tag: {body[-30:]!r}")
    return body, Tag()


def _split_heading(body: str) -> tuple[str, str]:
    """'加強組織協調。國務院…' -> ('加強組織協調', '國務院…')."""
    title, sep, rest = body.partition("。")
    return (title, rest.strip()) if sep else (body, "")


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition("。")
    return head if sep else text


def _chapter_passage_kind(chapter: Node, section_title: str) -> str:
    if "目標" in section_title or "目标" in section_title:
        return "goal"
    if "保障" in chapter.title:
        return "guarantee"
    return "principle"


def parse(text: str) -> list[Node]:
    """Clean plan text -> every heading and passage in reading order.

    Lines before the first chapter are front matter; its last paragraph (the preamble
    that states the plan's purpose and legal basis) becomes passage '0'.
    """
    nodes: list[Node] = []
    chapter = section = part = measure = None
    open_passage: Node | None = None  # a section- or goal-level passage taking paragraphs
    front: list[tuple[int, str]] = []
    counters: dict[str, int] = {}

    def child_id(parent: Node | None, number: int) -> str:
        return f"{parent.id}.{number}" if parent else str(number)

    def next_number(parent: Node | None) -> int:
        key = parent.id if parent else ""
        counters[key] = counters.get(key, 0) + 1
        return counters[key]

    for lineno, line in enumerate(text.splitlines(), start=1):
        if m := _CHAPTER.match(line):
            chapter = Node(str(cn_number(m[1])), "chapter", m[2].strip(), line=lineno)
            section = part = measure = open_passage = None
            nodes.append(chapter)
            continue
        if chapter is None:
            front.append((lineno, line))
            continue
        if m := _SECTION.match(line):
            title, body = _split_heading(m[2])
            section = Node(f"{chapter.id}.{cn_number(m[1])}", "section", title, line=lineno)
            section.parent = chapter
            part = measure = open_passage = None
            nodes.append(section)
            if body:
                open_passage = _section_passage(chapter, section, body, lineno)
                nodes.append(open_passage)
            continue
        if section is None:
            raise ParseError(f"line {lineno}: text before any section: {line[:30]!r}")
        if m := _PART.match(line):
            title, body = _split_heading(m[2])
            part = Node(f"{section.id}.{int(m[1])}", "part", title, line=lineno, parent=section)
            measure = open_passage = None
            nodes.append(part)
            if body:
                open_passage = _goal(part, body, lineno) if _is_goal(title) else None
                if open_passage:
                    nodes.append(open_passage)
            continue
        if m := _MEASURE.match(line):
            owner = part or section
            if part is not None and _is_goal(part.title):
                raise ParseError(f"line {lineno}: numbered measure inside a goal part")
            body, tag = split_tag(m[2], lineno)
            measure = Node(
                f"{owner.id}.{int(m[1])}",
                "measure",
                _first_sentence(body),
                body,
                tag,
                lineno,
                owner,
            )
            open_passage = None
            nodes.append(measure)
            continue
        if m := _BULLET.match(line):
            if measure is None:
                raise ParseError(f"line {lineno}: a —— bullet before any numbered measure")
            body, tag = split_tag(m[1], lineno)
            bullet_id = child_id(measure, next_number(measure))
            nodes.append(Node(bullet_id, "bullet", "", body, tag, lineno, measure))
            continue
        # A plain paragraph: the body of the open principle/goal/guarantee passage.
        if open_passage is not None:
            open_passage.text = f"{open_passage.text}{line}" if open_passage.text else line
            continue
        if part is not None and _is_goal(part.title):
            open_passage = _goal(part, line, lineno)
            nodes.append(open_passage)
            continue
        if part is None and measure is None:
            open_passage = _section_passage(chapter, section, line, lineno)
            nodes.append(open_passage)
            continue
        raise ParseError(f"line {lineno}: cannot place paragraph: {line[:30]!r}")

    if chapter is None:
        raise ParseError("no chapter heading (一、…) found")
    preamble = _preamble(front)
    return ([preamble] if preamble else []) + nodes


def _is_goal(title: str) -> bool:
    return "目標" in title or "目标" in title


def _goal(part: Node, body: str, line: int) -> Node:
    text, tag = split_tag(body, line)
    return Node(part.id, "goal", "", text, tag, line, part)


def _section_passage(chapter: Node, section: Node, body: str, line: int) -> Node:
    text, tag = split_tag(body, line)
    kind = _chapter_passage_kind(chapter, section.title)
    return Node(section.id, kind, "", text, tag, line, section)


def _preamble(front: list[tuple[int, str]]) -> Node | None:
    if not front or not front[-1][1].endswith("。"):
        return None
    line, text = front[-1]
    return Node("0", "principle", "", text, Tag(), line, None)


def passages(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if n.kind in PASSAGE_KINDS]
