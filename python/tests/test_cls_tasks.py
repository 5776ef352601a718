"""Tasks: built-in generator, file loaders, seeded disjoint splits."""

import csv

import numpy as np
import pytest

from cls_helpers import write_jsonl
from ws2s.tasks import SPLITS, load_task, make_splits
from ws2s.tasks.synonyms import VOCABULARIES, generate

FRACS = {"weak_train": 0.25, "strong_train": 0.45, "val": 0.1, "test": 0.2}


def test_splits_are_disjoint_sized_and_seeded():
    a = make_splits(1000, FRACS, seed=3)
    assert {k: len(v) for k, v in a.items()} == {"weak_train": 250, "strong_train": 450, "val": 100, "test": 200}
    union = np.concatenate([a[k] for k in SPLITS])
    assert len(set(union.tolist())) == len(union)
    b, c = make_splits(1000, FRACS, seed=3), make_splits(1000, FRACS, seed=4)
    assert all((a[k] == b[k]).all() for k in SPLITS)
    assert any(not np.array_equal(a[k], c[k]) for k in SPLITS)


def test_weak_train_comes_only_from_eligible_examples():
    elig = [i % 3 == 0 for i in range(900)]
    s = make_splits(900, FRACS, seed=0, weak_eligible=elig)
    assert all(elig[i] for i in s["weak_train"])
    assert len(set(np.concatenate([s[k] for k in SPLITS]).tolist())) == sum(len(s[k]) for k in SPLITS)


def test_oversized_splits_are_rejected():
    with pytest.raises(ValueError, match="overlap"):
        make_splits(10, {"weak_train": 0.3, "strong_train": 0.3, "val": 0.3, "test": 0.3}, seed=0)


def test_synonyms_task_is_seeded_and_weak_split_never_sees_held_out_words():
    a, b = generate(400, seed=1), generate(400, seed=1)
    assert a.texts == b.texts and a.labels == b.labels
    held = {w for common, h in VOCABULARIES["sentiment"].values() for w in h}
    s = make_splits(400, FRACS, seed=0, weak_eligible=a.weak_eligible)
    weak_words = {w for i in s["weak_train"] for w in a.texts[i].split()}
    assert not weak_words & held
    test_words = {w for i in s["test"] for w in a.texts[i].split()}
    assert test_words & held
    assert set(a.balance()) == {"negative", "positive"}


def test_topic_variant_has_four_classes():
    assert generate(100, 0, labels="topic").classes == ["sports", "food", "music", "weather"]


def test_jsonl_loader_maps_labels_in_class_order(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"t": "a", "y": "pos"}, {"t": "b", "y": "neg"}, {"t": "c", "y": "pos"}])
    ds = load_task({"source": "jsonl", "path": path, "text_field": "t", "label_field": "y", "classes": ["pos", "neg"]}, 0)
    assert ds.texts == ["a", "b", "c"] and ds.labels == [0, 1, 0] and ds.classes == ["pos", "neg"]
    inferred = load_task({"source": "jsonl", "path": path, "text_field": "t", "label_field": "y"}, 0)
    assert inferred.classes == ["neg", "pos"] and inferred.labels == [1, 0, 1]


def test_csv_loader(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows([["good, really", 1], ["bad", 0], ["fine", 1]])
    ds = load_task({"source": "csv", "path": str(path), "text_field": "text", "label_field": "label"}, 0)
    assert ds.texts[0] == "good, really" and ds.labels == [1, 0, 1] and ds.classes == ["0", "1"]


def test_sciq_becomes_balanced_verification_pairs(tmp_path):
    rows = [{"question": f"q{i}?", "support": "s", "correct_answer": f"right{i}", "distractor1": "w1",
             "distractor2": "w2", "distractor3": "w3"} for i in range(5)]
    ds = load_task({"source": "sciq", "path": write_jsonl(tmp_path / "sciq.jsonl", rows)}, seed=0)
    assert len(ds) == 10 and ds.labels.count(1) == 5 and ds.classes == ["false", "true"]
    assert ds.texts[0] == "Q: q0? A: right0" and ds.labels[0] == 1
    assert ds.texts[1].startswith("Q: q0? A: w") and ds.labels[1] == 0


def test_sciq_rejects_other_formats(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [{"text": "a", "label": 1}])
    with pytest.raises(ValueError, match="SciQ"):
        load_task({"source": "sciq", "path": path}, 0)


def test_hf_dataset_saved_to_disk(tmp_path):
    datasets = pytest.importorskip("datasets", reason="`datasets` is an optional extra (pip install 'ws2s[hf]')")
    d = datasets.Dataset.from_dict({"sentence": ["a", "b", "c", "d"], "label": [0, 1, 1, 0]},
                                   features=datasets.Features({"sentence": datasets.Value("string"),
                                                               "label": datasets.ClassLabel(names=["neg", "pos"])}))
    datasets.DatasetDict({"train": d}).save_to_disk(str(tmp_path / "ds"))
    ds = load_task({"source": "hf", "id": str(tmp_path / "ds"), "split": "train", "text_field": "sentence", "label_field": "label"}, 0)
    assert ds.texts == ["a", "b", "c", "d"] and ds.labels == [0, 1, 1, 0] and ds.classes == ["neg", "pos"]
