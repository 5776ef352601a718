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


def canon_frame(frame: Frame) -> Frame:
    """The frame as it reads back from its text form (types without spaces, canonical values)."""
    return text_to_frame(frame_to_text(frame))
