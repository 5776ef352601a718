"""Slot frames and their canonical text form.

A frame is a list of ``(slot_type, value)`` pairs. Its text form, the generation target, is
``"date : tomorrow ; time : seven am"`` in *canonical text*: lower case, every run of letters/digits
and every other single character a separate whitespace-separated word. Canonical text round-trips
through word-, character- and WordPiece tokenizers alike, so the words of a hypothesis are the same
whichever model produced it — word targets and slot F1 rely on that.
"""

from __future__ import annotations

import re

Frame = list[tuple[str, str]]

_WORD = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")
SLOT_SEP = ";"
TYPE_SEP = ":"


def canon(text: str) -> str:
    """Canonical text: lower case, alphanumeric runs and single symbols separated by one space."""
    return " ".join(_WORD.findall(text.lower()))


def frame_to_text(frame: Frame) -> str:
    """``[("date", "tomorrow's")]`` → ``"date : tomorrow ' s"``."""
    return f" {SLOT_SEP} ".join(f"{canon(t)} {TYPE_SEP} {canon(v)}" for t, v in frame)


def text_to_frame(text: str) -> Frame:
    """Parse a (possibly malformed) generated frame; parts without ``:`` or with an empty side are dropped.

    Slot types lose their inner spaces (``"event _ name"`` → ``"event_name"``); values are canonical text.
    """
    frame: Frame = []
    for part in canon(text).split(f" {SLOT_SEP} ") if text.strip() else []:
        slot_type, sep, value = part.strip(" ;").partition(f" {TYPE_SEP} ")
        slot_type, value = slot_type.replace(" ", ""), value.strip()
        if sep and slot_type and value:
            frame.append((slot_type, value))
    return frame


EMPTY, MALFORMED, WELL_FORMED = "empty", "malformed", "ok"


def frame_status(text: str) -> str:
    """``"empty"``, ``"malformed"`` or ``"ok"`` for a generated frame string.

    Empty: no words at all (canonical text ""). Malformed: non-empty, yet not the canonical text of the frame
    ``text_to_frame`` reads from it — some ``" ; "``-separated part has no ``" : "``, an empty slot type or an
    empty value (the parser drops it), or there are stray separators (``"date : class ; ;"``, ``"; date : x"``).
    A well-formed frame round-trips exactly: ``frame_to_text(text_to_frame(t)) == canon(t)``.
    """
    words = canon(text)
    if not words:
        return EMPTY
    return WELL_FORMED if frame_to_text(text_to_frame(words)) == words else MALFORMED


def frame_rates(texts: list[str]) -> dict[str, float]:
    """Fractions of ``texts`` that are empty and malformed frames (``frame_status``); 0 for no texts."""
    status = [frame_status(t) for t in texts]
    n = max(1, len(status))
    return {"empty_frames": status.count(EMPTY) / n, "malformed_frames": status.count(MALFORMED) / n}


def canon_frame(frame: Frame) -> Frame:
    """The frame as it reads back from its text form (types without spaces, canonical values)."""
    return text_to_frame(frame_to_text(frame))
