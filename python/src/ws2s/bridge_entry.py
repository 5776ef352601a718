"""The Python end of packages/bridge: the runner process calls ``run`` through pythonia.

``send`` is a JavaScript function; it is called only from this (the calling) thread, with a JSON
array of events, and every job ends with a ``done`` or ``error`` event.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ws2s.events import BatchingEmitter
from ws2s.jobs import run_job


def run(name: str, params_json: str, send: Callable[[str], Any]) -> bool:
    """Run job ``name`` with params given as JSON; events go to ``send``. True if it finished."""
    return run_job(name, json.loads(params_json), BatchingEmitter(send))
