"""Distillation: a finished run's network as a teacher whose softened predictions the trained network learns from."""
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from mnist_lib import RunConfig, build_model
from mnist_lib.distill import Teacher, load_teacher
from mnist_lib.train import fit

TINY = dict(epochs=1, train_subset=256, test_subset=100, device="cpu", holdout=0)


def test_distilling_needs_a_teacher_a_share_below_one_and_a_positive_temperature():
    with pytest.raises(ValueError, match="distill needs a teacher"):
        RunConfig(distill=0.5)
    with pytest.raises(ValueError, match="distill must be in"):
        RunConfig(distill=1.0, teacher="t")
    with pytest.raises(ValueError, match="temperature must be positive"):
        RunConfig(temperature=0)


def test_a_record_from_before_distillation_reads_as_without_a_teacher():
    recorded = {k: v for k, v in RunConfig().to_dict().items() if k not in ("distill", "teacher", "temperature")}
    assert RunConfig.from_record(recorded) == RunConfig()


def test_the_mixed_loss_is_the_labels_loss_and_the_softened_divergence_in_their_shares():
    torch.manual_seed(0)
    x, logits, hard = torch.randn(4, 1, 28, 28), torch.randn(4, 10), torch.tensor(2.0)
    network = build_model("Model_6", seed=0).eval()
    teacher = Teacher(network, share=0.3, temperature=2.0)
    with torch.no_grad():
        target = F.softmax(network(x) / 2.0, dim=1)
    divergence = (target * (target.log() - F.log_softmax(logits / 2.0, dim=1))).sum(1).mean()
    assert teacher.mixed_loss(logits, x, hard).item() == pytest.approx(0.7 * 2.0 + 0.3 * 4 * divergence.item(),
                                                                       rel=1e-5)
    with torch.no_grad():
        own = network(x)
    assert teacher.mixed_loss(own, x, hard).item() == pytest.approx(0.7 * 2.0, abs=1e-5)  # it agrees: no divergence


def test_only_the_trained_network_learns_from_the_teacher():
    network, student = build_model("Small_C", seed=0).eval(), build_model("Small_C", seed=1)
    teacher, before = Teacher(network, 0.5, 4.0), [w.clone() for w in network.parameters()]
    x = torch.randn(8, 1, 28, 28)
    logits = student(x)
    teacher.mixed_loss(logits, x, F.cross_entropy(logits, torch.zeros(8, dtype=torch.long))).backward()
    assert all(w.grad is None for w in network.parameters())
    assert all(w.grad is not None for w in student.parameters())
    assert all(torch.equal(a, b) for a, b in zip(network.parameters(), before))


def test_a_teacher_must_be_a_finished_run_of_the_same_split(tmp_path, data):
    with pytest.raises(ValueError, match="holds no finished run"):
        load_teacher(RunConfig(distill=0.5, teacher=str(tmp_path / "none")), "cpu", torch.contiguous_format)
    fit(build_model("Small_C", seed=1), data, RunConfig(model="Small_C", **TINY), out=tmp_path / "t",
        progress=False)
    with pytest.raises(ValueError, match="holdout=0, this run has holdout=10000"):
        load_teacher(RunConfig(distill=0.5, teacher=str(tmp_path / "t"), holdout=10000), "cpu",
                     torch.contiguous_format)
    assert load_teacher(RunConfig(), "cpu", torch.contiguous_format) is None


def test_a_run_with_a_teacher_trains_otherwise_than_without_and_records_it(tmp_path, data):
    fit(build_model("Model_6", seed=1), data, RunConfig(**TINY), out=tmp_path / "teacher", progress=False)
    plain = RunConfig(model="Small_C", **TINY)
    taught = replace(plain, distill=0.5, teacher=str(tmp_path / "teacher"))
    runs = [fit(build_model("Small_C", seed=1), data, cfg, progress=False) for cfg in (plain, taught)]
    assert runs[1].meta["config"]["teacher"] == str(tmp_path / "teacher") and runs[1].meta["config"]["distill"] == 0.5
    assert runs[0].epochs[0]["train_loss"] != runs[1].epochs[0]["train_loss"]
