"""Processes that die with their run: the kernel's parent-death signal, and tracking descendants.

Light on purpose (no torch): a torchrun worker calls ``die_with_parent`` before its slow imports, so a
worker whose torchrun is killed while it is still starting does not live on.
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent exits (``prctl(PR_SET_PDEATHSIG)``); exits at
    once when the parent is already gone (``os.getppid()`` is no longer ``parent``, or is init).
    Elsewhere (no prctl) it does nothing: the launcher's tracking still ends the processes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return
    ppid = os.getppid()
    if ppid == 1 or (parent is not None and ppid != parent):
        os._exit(1)


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a live process, from /proc; None when gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[1]), fields[19].decode()


def descendants(root: int) -> dict[int, str]:
    """Live descendants of ``root`` (pid -> start time, to recognise the same process later)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit() and (st := _stat(int(name))) is not None:
            children.setdefault(st[0], []).append((int(name), st[1]))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid, start in children.get(todo.pop(), []):
            if pid not in found:
                found[pid] = start
                todo.append(pid)
    return found


def kill_tracked(tracked: dict[int, str]) -> None:
    """SIGKILL every tracked process still alive (the same process: its start time matches)."""
    for pid, start in tracked.items():
        st = _stat(pid)
        if st is not None and st[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
