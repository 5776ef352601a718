"""Jobs the bridge and the CLI run by name.

A job is ``job(params: dict, emit) -> JSON-serialisable result`` registered in ``JOBS`` with
``@register("name")``. ``emit`` is an emitter from ``ws2s.events``. ``run_job`` runs one and ends the
event stream with ``done`` (the result) or ``error`` (type, message, traceback).

The modules in ``JOB_MODULES`` are imported one by one: a module that does not exist is skipped and a
module that fails to import is remembered in ``IMPORT_ERRORS``, so it only breaks its own jobs (asking
for one of them explains which import failed and why).
"""

from __future__ import annotations

import importlib
import traceback
from typing import Any, Callable

from ws2s.events import Emitter, error_event

Job = Callable[[Any, Callable[[dict], None]], Any]

JOBS: dict[str, Job] = {}

#: Modules whose import registers jobs: submodules of ws2s.jobs, or a dotted module path. A missing
#: one is skipped (``repro`` may not exist in every checkout).
JOB_MODULES = ("ws2s.testing.diagnostics", "experiment", "repro")

#: Submodule name -> formatted traceback of its failed import.
IMPORT_ERRORS: dict[str, str] = {}


class JobNotFoundError(LookupError):
    """No job of that name is registered."""


def register(name: str) -> Callable[[Job], Job]:
    """Decorator: ``@register("echo")`` makes ``ws2s.jobs.JOBS["echo"]`` that function."""

    def deco(fn: Job) -> Job:
        if name in JOBS and JOBS[name] is not fn:
            raise ValueError(f"job {name!r} is registered twice ({JOBS[name].__module__} and {fn.__module__})")
        JOBS[name] = fn
        return fn

    return deco


def get_job(name: str) -> Job:
    """The job called ``name``, or a ``JobNotFoundError`` naming the known jobs and broken modules."""
    if name in JOBS:
        return JOBS[name]
    message = f"no job named {name!r}; known jobs: {', '.join(sorted(JOBS)) or 'none'}."
    for module, trace in IMPORT_ERRORS.items():
        message += f"\n{_qualified(module)} failed to import, so its jobs are missing:\n{trace}"
    raise JobNotFoundError(message)


def run_job(name: str, params: Any, emit: Emitter) -> bool:
    """Run job ``name``; emit ``done`` with its result or ``error`` with its exception. True if done."""
    try:
        result = get_job(name)(params, emit)
        emit.terminal({"type": "done", "result": result})  # raises if the result is not JSON
        return True
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt are job failures too
        emit.terminal(error_event(exc))
        return False


def _qualified(module: str) -> str:
    return module if "." in module else f"{__name__}.{module}"


def _import_job_modules() -> None:
    for module in JOB_MODULES:
        qualified = _qualified(module)
        try:
            importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                IMPORT_ERRORS[module] = traceback.format_exc()
        except Exception:  # noqa: BLE001 - any failure is reported when one of its jobs is asked for
            IMPORT_ERRORS[module] = traceback.format_exc()


_import_job_modules()
