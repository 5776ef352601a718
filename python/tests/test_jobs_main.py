"""``python -m ws2s.jobs``: how a cluster job runs a job into an events file."""

import json

from ws2s.jobs.__main__ import main


def test_runs_a_job_into_its_events_file_ending_with_done(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"events": [{"type": "log", "level": "info", "message": "hi"}], "result": {"ok": 1}}))
    events = tmp_path / "events.jsonl"
    assert main(["echo", str(params), str(events)]) == 0
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert [(e["seq"], e["type"]) for e in lines] == [(0, "log"), (1, "done")]
    assert lines[-1]["result"] == {"ok": 1}


def test_a_failing_job_ends_its_file_with_the_error_and_exits_1(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"message": "bad weak model"}))
    events = tmp_path / "events.jsonl"
    assert main(["raise_error", str(params), str(events)]) == 1
    last = json.loads(events.read_text().splitlines()[-1])
    assert last["type"] == "error" and "bad weak model" in last["message"]


def test_usage_without_three_arguments():
    assert main(["echo"]) == 2
