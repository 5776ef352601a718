"""The processes of a multi-process run die with it: the parent-death signal, and tracking descendants."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ws2s.train.lifetime import descendants, kill_tracked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux's")

# A parent that starts a child in a session of its own (as torchrun starts workers), prints the
# child's pid, then waits to be killed.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], start_new_session=True)
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD_DIES = "from ws2s.train.lifetime import die_with_parent; die_with_parent(); import time; time.sleep(120)"
CHILD_STAYS = "import time; time.sleep(120)"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def wait_gone(pid: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def start_family(child_code: str) -> tuple[subprocess.Popen, int]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, child_code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(1.0)  # the child has run its first lines
    return parent, child


def test_a_child_in_its_own_session_dies_with_its_parent():
    parent, child = start_family(CHILD_DIES)
    parent.kill()
    parent.wait()
    assert wait_gone(child, 2.0), f"process {child} outlived its parent"


def test_without_the_parent_death_signal_it_would_outlive_its_parent():
    parent, child = start_family(CHILD_STAYS)  # the situation the signal fixes
    try:
        parent.kill()
        parent.wait()
        assert not wait_gone(child, 1.0)
    finally:
        os.kill(child, signal.SIGKILL)


def test_the_launcher_finds_and_kills_descendants_that_left_the_session():
    parent, child = start_family(CHILD_STAYS)
    tracked = descendants(parent.pid)
    assert child in tracked
    parent.kill()
    parent.wait()
    assert alive(child)  # orphaned, in a session of its own: no group signal reaches it
    kill_tracked(tracked)
    assert wait_gone(child, 2.0)
