"""Emitters (ws2s.events) and the job runner (ws2s.jobs.run_job) the bridge and CLI share."""

import io
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from ws2s import jobs
from ws2s.events import BatchingEmitter, CollectingEmitter, JsonlEmitter, null_emit

METRIC = {"type": "metric", "key": "weak/bow/val_acc", "value": 0.5, "step": 1}
LOG = {"type": "log", "level": "info", "message": "hello"}


def test_stamps_seq_from_zero_and_unix_time():
    emit = CollectingEmitter()
    emit(LOG)
    emit(METRIC)
    assert [e["seq"] for e in emit.events] == [0, 1]
    assert all(abs(e["t"] - time.time()) < 60 for e in emit.events)
    assert emit.events[1] == {**METRIC, "seq": 1, "t": emit.events[1]["t"]}


@pytest.mark.parametrize("kind", ["done", "error", "bogus", None])
def test_rejects_types_a_job_may_not_emit(kind):
    emit = CollectingEmitter()
    with pytest.raises(ValueError, match="event type must be one of artifact, log, metric, progress"):
        emit({"type": kind})


def test_a_rejected_event_leaves_no_gap_in_seq():
    emit = CollectingEmitter()
    with pytest.raises(ValueError, match="NaN or infinity"):
        emit({**METRIC, "value": math.nan})
    with pytest.raises(TypeError, match="object is not JSON-serialisable"):
        emit({**METRIC, "value": object()})
    emit(METRIC)
    assert [e["seq"] for e in emit.events] == [0]


def test_converts_numpy_values_and_paths():
    emit = CollectingEmitter()
    emit({"type": "metric", "key": "k", "value": np.float32(0.25), "step": np.int64(3)})
    emit({"type": "artifact", "name": "m", "path": Path("/tmp/m.safetensors")})
    assert emit.events[0]["value"] == 0.25 and emit.events[0]["step"] == 3
    assert emit.events[1]["path"] == "/tmp/m.safetensors"


def test_emit_requires_a_dict():
    with pytest.raises(TypeError, match="takes an event dict"):
        null_emit("log this")


def test_null_emit_checks_then_drops():
    null_emit(METRIC)
    with pytest.raises(ValueError):
        null_emit({"type": "done", "result": 1})


def _batches(**kw):
    sent = []
    return BatchingEmitter(lambda payload: sent.append(json.loads(payload)), **kw), sent


def test_batching_sends_the_first_event_at_once_then_fills_batches():
    emit, sent = _batches(max_events=3, max_delay=3600)
    for step in range(7):
        emit({**METRIC, "step": step})
    assert [[e["step"] for e in batch] for batch in sent] == [[0], [1, 2, 3], [4, 5, 6]]


def test_batching_flushes_logs_stage_boundaries_and_on_request():
    emit, sent = _batches(max_events=100, max_delay=3600)
    emit(METRIC)  # first: sent at once
    emit(METRIC)
    emit(LOG)  # a log flushes what is buffered, in order
    emit({"type": "progress", "stage": "weak", "current": 1, "total": 3})
    emit({"type": "progress", "stage": "weak", "current": 3, "total": 3})  # end of a stage
    emit(METRIC)
    emit.flush()
    emit.flush()  # nothing left: no empty batch
    assert [[e["seq"] for e in batch] for batch in sent] == [[0], [1, 2], [3, 4], [5]]


def test_batching_with_no_delay_sends_every_event():
    emit, sent = _batches(max_delay=0)
    for _ in range(3):
        emit(METRIC)
    assert [len(batch) for batch in sent] == [1, 1, 1]


def test_jsonl_emitter_writes_one_event_per_line(tmp_path):
    path = tmp_path / "run" / "events.jsonl"
    with JsonlEmitter(path) as emit:
        emit(LOG)
        emit(METRIC)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [0, 1]
    stream = io.StringIO()
    JsonlEmitter(stream)(LOG)
    assert json.loads(stream.getvalue())["message"] == "hello"


def test_run_job_ends_with_done_and_the_result():
    emit = CollectingEmitter()
    assert jobs.run_job("flood", {"n": 2}, emit) is True
    assert [e["type"] for e in emit.events] == ["metric", "metric", "done"]
    assert emit.events[-1]["result"] == {"emitted": 2}


def test_run_job_turns_an_exception_into_an_error_event():
    emit = CollectingEmitter()
    assert jobs.run_job("raise_error", {"message": "bad split"}, emit) is False
    error = emit.events[-1]
    assert (error["type"], error["error_type"], error["message"]) == ("error", "ValueError", "bad split")
    assert error["traceback"].startswith("Traceback (most recent call last)")
    assert "in _fail" in error["traceback"] and error["traceback"].rstrip().endswith("ValueError: bad split")


def test_run_job_reports_a_result_that_is_not_json():
    emit = CollectingEmitter()
    assert jobs.run_job("echo", {"result": {"loss": math.inf}}, emit) is False
    assert emit.events[-1]["error_type"] == "ValueError"
    assert "NaN or infinity" in emit.events[-1]["message"]
    assert [e["seq"] for e in emit.events] == [0]


def test_run_job_catches_system_exit():
    def quits(params, emit):
        raise SystemExit(2)

    jobs.JOBS["_quits"] = quits
    try:
        emit = CollectingEmitter()
        assert jobs.run_job("_quits", {}, emit) is False
        assert emit.events[-1]["error_type"] == "SystemExit"
    finally:
        del jobs.JOBS["_quits"]


def test_unknown_job_names_the_known_ones():
    with pytest.raises(jobs.JobNotFoundError, match=r"no job named 'nope'; known jobs: .*echo.*flood"):
        jobs.get_job("nope")


def test_register_refuses_a_second_job_with_the_same_name():
    with pytest.raises(ValueError, match="registered twice"):
        jobs.register("echo")(lambda params, emit: None)


def test_a_missing_job_module_is_skipped_and_a_broken_one_explains_itself(tmp_path, monkeypatch):
    (tmp_path / "broken_jobs.py").write_text("import not_a_real_dependency_xyz\n")
    monkeypatch.setattr(jobs, "__path__", [*jobs.__path__, str(tmp_path)])
    monkeypatch.setattr(jobs, "JOB_MODULES", ("absent_jobs", "broken_jobs"))
    monkeypatch.setattr(jobs, "IMPORT_ERRORS", {})
    jobs._import_job_modules()
    assert list(jobs.IMPORT_ERRORS) == ["broken_jobs"]
    with pytest.raises(jobs.JobNotFoundError, match=r"(?s)broken_jobs failed to import.*not_a_real_dependency_xyz"):
        jobs.get_job("job_from_the_broken_module")
    assert jobs.get_job("echo") is jobs.JOBS["echo"]  # other jobs are unaffected
