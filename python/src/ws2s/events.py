"""Emitters: how Python code reports progress, metrics, logs and artifacts.

Every job receives an ``emit`` callable and calls it with an event dict without ``seq`` and ``t``::

    emit({"type": "metric", "key": "student/edl/train_loss", "value": 0.41, "step": 120})

The emitter stamps ``seq`` (0, 1, 2, ... per job) and ``t`` (Unix seconds) and serialises the event
at once, so a value that cannot become JSON fails at the line that emitted it. The event fields are
defined by ``packages/schema/src/events.ts`` (the one source of truth; the TypeScript side validates
every event). ``done`` and ``error`` are emitted by ``ws2s.jobs.run_job``, never by a job.

Emitters:
- ``BatchingEmitter(send)``: the bridge's. ``send`` is a JS callback taking a JSON array string.
  One call costs a bridge round trip (~0.2 ms), so events are batched; see ``BatchingEmitter``.
- ``JsonlEmitter(path_or_stream)``: one JSON object per line (``python -m ws2s run``).
- ``CollectingEmitter()``: keeps the events in ``.events`` (tests).
- ``null_emit``: drops everything (code run outside a job).

Only ever call an emitter from the thread that called the job: the bridge's ``send`` breaks when a
Python thread other than the calling one calls into JavaScript.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable

#: Event types a job may emit; ``done``/``error`` end a job and come from ``ws2s.jobs.run_job``.
JOB_EVENT_TYPES = frozenset({"log", "progress", "metric", "artifact"})
TERMINAL_EVENT_TYPES = frozenset({"done", "error"})


def _to_json(value: Any) -> Any:
    """``json.dumps`` fallback: tensors and numpy values via ``.tolist()``, paths as strings."""
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"a value of type {type(value).__name__} is not JSON-serialisable")


_ENCODER = json.JSONEncoder(allow_nan=False, default=_to_json, separators=(",", ":"))


def encode_event(event: dict, seq: int, t: float) -> str:
    """The event as one line of JSON with ``seq`` and ``t`` added; raises with what to fix."""
    stamped = {**event, "seq": seq, "t": t}
    try:
        return _ENCODER.encode(stamped)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise
        raise ValueError(
            f"{event.get('type')} event contains NaN or infinity, which JSON cannot carry: {event!r}."
            " Emit finite numbers (a NaN loss usually means training diverged)."
        ) from None
    except TypeError as exc:
        raise TypeError(f"{event.get('type')} event is not JSON-serialisable ({exc}): {event!r}") from None


class Emitter:
    """Base emitter: checks the type, stamps ``seq``/``t``, encodes, hands the line to ``_write``."""

    def __init__(self) -> None:
        self._seq = 0

    def __call__(self, event: dict) -> None:
        if not isinstance(event, dict):
            raise TypeError(f"emit() takes an event dict, got {type(event).__name__}: {event!r}")
        kind = event.get("type")
        if kind not in JOB_EVENT_TYPES:
            allowed = ", ".join(sorted(JOB_EVENT_TYPES))
            hint = " (done/error are emitted by ws2s.jobs.run_job)" if kind in TERMINAL_EVENT_TYPES else ""
            raise ValueError(f"event type must be one of {allowed}{hint}; got {kind!r} in {event!r}")
        self._emit(event)

    def terminal(self, event: dict) -> None:
        """Emit the job's final ``done`` or ``error`` event and flush."""
        if event.get("type") not in TERMINAL_EVENT_TYPES:
            raise ValueError(f"terminal events are done or error, got {event.get('type')!r}")
        self._emit(event)
        self.flush()

    def _emit(self, event: dict) -> None:
        line = encode_event(event, self._seq, time.time())
        self._seq += 1  # only after encoding succeeded: a rejected event leaves no gap in seq
        self._write(line, event)

    def _write(self, line: str, event: dict) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Send whatever is buffered. Call before long work that emits nothing."""


def _is_boundary(event: dict) -> bool:
    """Events that usually precede long silent work: send them without waiting for a batch."""
    kind = event["type"]
    if kind in ("log", "artifact"):
        return True
    if kind == "progress":
        current, total = event.get("current"), event.get("total")
        return current == 0 or (current is not None and total is not None and current >= total)
    return False


class BatchingEmitter(Emitter):
    """Sends events to ``send(json_array_string)`` in batches.

    A batch goes out when it holds ``max_events``, when ``max_delay`` seconds have passed since the
    last send (so an event after a quiet spell goes out at once and the bridge costs at most one
    round trip per ``max_delay``), on log/artifact events and stage boundaries (progress with
    ``current == 0`` or ``current >= total``), on ``flush()`` and on the terminal event.
    """

    def __init__(self, send: Callable[[str], Any], max_events: int = 256, max_delay: float = 0.02) -> None:
        super().__init__()
        self._send = send
        self._max_events = max_events
        self._max_delay = max_delay
        self._buffer: list[str] = []
        self._last_send = -math.inf

    def _write(self, line: str, event: dict) -> None:
        self._buffer.append(line)
        if (
            len(self._buffer) >= self._max_events
            or time.monotonic() - self._last_send >= self._max_delay
            or _is_boundary(event)
        ):
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            payload = "[" + ",".join(self._buffer) + "]"
            self._buffer.clear()
            self._send(payload)
        self._last_send = time.monotonic()


class JsonlEmitter(Emitter):
    """Writes one event per line to a path (created/truncated) or an open text stream."""

    def __init__(self, target: str | Path | IO[str]) -> None:
        super().__init__()
        if isinstance(target, (str, Path)):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            self._stream: IO[str] = open(target, "w", encoding="utf-8", buffering=1)
            self._owned = True
        else:
            self._stream = target
            self._owned = False

    def _write(self, line: str, event: dict) -> None:
        self._stream.write(line + "\n")

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self.flush()
        if self._owned:
            self._stream.close()

    def __enter__(self) -> "JsonlEmitter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CollectingEmitter(Emitter):
    """Keeps every stamped event (as parsed JSON) in ``.events``; for tests."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def _write(self, line: str, event: dict) -> None:
        self.events.append(json.loads(line))


class _NullEmitter(Emitter):
    def _emit(self, event: dict) -> None:
        pass


#: Emitter for code run outside a job: checks the event type, then drops the event.
null_emit = _NullEmitter()


def error_event(exc: BaseException) -> dict:
    """The ``error`` event for an exception: its qualified type, message and formatted traceback."""
    cls = type(exc)
    error_type = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    trace = "".join(traceback.format_exception(cls, exc, exc.__traceback__))
    return {"type": "error", "error_type": error_type, "message": str(exc), "traceback": trace}
