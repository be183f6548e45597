"""The book's machinery: chapter order, smoke execution, and the built site."""
import math
import re
import statistics
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

from mnist_lib import RunConfig
from mnist_lib.book import chapter_parts, chapters, run_book
from mnist_lib.history import History
from mnist_lib.steps import CHANGES, step_decision, step_recipe, step_texts
from mnist_lib.target import TARGET_ACCURACY, meets_target, summarise

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def test_chapters_follow_the_table_of_contents():
    names = [nb.stem for nb in chapters(ROOT)]
    toc = re.findall(r"file: (\S+)", (ROOT / "_toc.yml").read_text())
    assert names == [name for name in toc if (ROOT / "book" / f"{name}.ipynb").exists()] and len(names) >= 6


def test_unknown_chapter_is_refused():
    with pytest.raises(ValueError, match="unknown chapters"):
        run_book(smoke=True, only=["99_nothing"], root=ROOT)


def tiny_book(root, cells):
    """A book at root whose _toc.yml has the parts "steps" (a, b) and "later" (c); cells[name] is a code cell."""
    (root / "book").mkdir()
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nparts:\n- caption: steps\n  chapters:\n"
                                   "  - file: a\n  - file: b\n- caption: later\n  chapters:\n  - file: c\n")
    (root / "book" / "intro.md").write_text("# Intro\n")
    for name in "abc":
        notebook = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("SMOKE = False", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(cells.get(name, "pass"))])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, root / "book" / f"{name}.ipynb")


def test_parts_follow_the_table_of_contents(tmp_path):
    tiny_book(tmp_path, {})
    assert [[nb.stem for nb in part] for part in chapter_parts(tmp_path)] == [[], ["a", "b"], ["c"]]


def test_step_chapters_run_on_one_thread_each_and_later_ones_on_the_default(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    show = "import os; print('threads', os.environ.get('OMP_NUM_THREADS'))"
    tiny_book(tmp_path, {"a": show, "b": show, "c": show})
    run_book(smoke=True, root=tmp_path, jobs=2)
    printed = {name: (tmp_path / "_build" / "smoke" / f"{name}.ipynb").read_text() for name in "abc"}
    assert "threads 1" in printed["a"] and "threads 1" in printed["b"] and "threads 2" in printed["c"]
    assert "3 chapters in" in capsys.readouterr().out


def test_a_failing_cell_names_its_chapter_and_leaves_the_notebook(tmp_path):
    tiny_book(tmp_path, {"b": "raise ValueError('no such digit')"})
    before = (tmp_path / "book" / "b.ipynb").read_text()
    with pytest.raises(RuntimeError, match=r"chapter b.ipynb failed in cell 2 \(ValueError: no such digit\)"):
        run_book(root=tmp_path, only=["b"], jobs=1)
    assert (tmp_path / "book" / "b.ipynb").read_text() == before


def test_a_failing_step_stops_the_steps_still_waiting(tmp_path):
    tiny_book(tmp_path, {"a": "raise ValueError('no such digit')"})
    with pytest.raises(RuntimeError, match="chapter a.ipynb failed"):
        run_book(smoke=True, root=tmp_path, jobs=1)
    assert not (tmp_path / "_build" / "smoke" / "b.ipynb").exists()


def test_the_book_runner_starts_without_torch():
    """Each worker of run_book imports mnist_lib.book before its kernel starts; torch would cost it seconds there,
    and the kernel imports what its chapter needs itself."""
    imported = subprocess.run([sys.executable, "-c", "import sys, mnist_lib.book; print('torch' in sys.modules)"],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert imported.returncode == 0 and imported.stdout.strip() == "False", imported.stderr


def test_zero_jobs_is_refused(tmp_path):
    tiny_book(tmp_path, {})
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        run_book(smoke=True, root=tmp_path, jobs=0)


def step_runs_committed(step, split, seeds=range(1, 6)):
    """A step's committed runs of one split, {seed: History}."""
    return {seed: History.load(ROOT / "book" / "histories" / step / split / f"seed_{seed}" / "history.json")
            for seed in seeds}


def test_published_notebooks_hold_full_runs():
    names = [nb.stem for nb in chapters(ROOT)]
    assert all(step in names for step in CHANGES)
    for notebook in chapters(ROOT):
        assert "SMOKE = True" not in notebook.read_text(), f"{notebook.name} was executed as a smoke run"
    for step in CHANGES:
        for split in ("validation", "test"):
            for history in step_runs_committed(step, split).values():
                config = history.meta["config"]
                assert config["train_subset"] == 0 and len(history.epochs) == config["epochs"], (step, split)


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def site():
    """Build the site from the committed outputs, with warnings as errors."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")  # the console script; the package has no __main__
    build = subprocess.run([jupyter_book, "build", "-W", "-n", "--keep-going", "book/"],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return HTML


def read_page(site, name):
    page = Page()
    page.feed((site / f"{name}.html").read_text())
    return page


def test_every_chapter_page_exists_with_its_images(site):
    for notebook in chapters(ROOT):
        page = read_page(site, notebook.stem)
        assert page.images, f"{notebook.stem}.html has no figure"
        for src in page.images:
            if not src.startswith(("http:", "https:", "data:")):
                assert (site / src).is_file(), f"{notebook.stem}.html shows a missing image {src}"


def test_every_chapter_page_opens_in_colab_and_binder_and_downloads_as_a_notebook(site):
    """The launch buttons point at the chapter in the repository _config.yml names; the download is the notebook."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner_name = config["repository"]["url"].removeprefix("https://github.com/")
    branch, book = config["repository"]["branch"], config["repository"]["path_to_book"]
    for notebook in chapters(ROOT):
        html = (site / f"{notebook.stem}.html").read_text()
        path = f"{book}/{notebook.name}"
        assert f'href="https://colab.research.google.com/github/{owner_name}/blob/{branch}/{path}"' in html
        assert f'href="https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=tree/{path}"' in html
        assert f'href="_sources/{notebook.name}"' in html, f"{notebook.stem}.html offers no .ipynb download"
        assert (site / "_sources" / notebook.name).read_bytes() == notebook.read_bytes()


def test_each_step_chapter_trains_its_step_and_its_seeds_record_that_recipe():
    """Changing a step's recipe (or a default it relies on) without training its seeds again fails here."""
    for step in CHANGES:
        cells = nbformat.read(ROOT / "book" / f"{step}.ipynb", as_version=4).cells
        assert any(f'step_recipe("{step}")' in cell.source for cell in cells if cell.cell_type == "code"), step
        for split, holdout in (("validation", 10000), ("test", 0)):
            for seed, history in step_runs_committed(step, split).items():
                recorded = RunConfig.from_record(history.meta["config"])
                assert recorded.recipe() == replace(step_recipe(step), seed=seed, holdout=holdout).recipe(), step


def test_each_step_builds_on_the_step_before_unless_its_change_was_resolved_lower():
    """Recomputed from the committed validation seeds: a step builds on the one before it unless that one's change
    was resolved lower (and not needed by the budget), in which case it builds on that one's own base."""
    steps = list(CHANGES)
    for before, step in zip(steps, steps[1:]):
        base_of_before = CHANGES[before][0]
        dropped = base_of_before is not None and step_decision(
            step_runs_committed(before, "validation"), step_runs_committed(base_of_before, "validation"),
            "base", needed=before == "02_skeleton")["decision"] == "not kept"
        assert CHANGES[step][0] == (base_of_before if dropped else before), step


def test_tables_printed_by_the_chapters_render_as_tables(site):
    for notebook in chapters(ROOT):
        html = (site / f"{notebook.stem}.html").read_text()
        assert "<p>|" not in html, f"{notebook.stem}.html shows a Markdown table as text"


def test_glued_results_appear_on_each_page(site):
    for step in CHANGES:
        text = " ".join(read_page(site, step).text)
        texts = step_texts({split: step_runs_committed(step, split) for split in ("validation", "test")})
        for key in ("validation_last5", "test_last5", "validation_met", "test_met", "test_best_test"):
            assert texts[key] in text, f"{step}.html lacks {key} = {texts[key]}"


def test_the_defaults_are_the_final_steps_recipe():
    """`python -m mnist_lib train` with no flags trains what the last step's test seeds recorded."""
    final = list(CHANGES)[-1]
    recorded = step_runs_committed(final, "test")[1].meta["config"]
    assert RunConfig().recipe() == RunConfig.from_record(recorded).recipe()


def seeds_met(folder, seeds):
    """'met/seeds' over the complete full runs in folder/seed_*, as the chapters print it."""
    histories = [History.load(path) for path in sorted(folder.glob("seed_*/history.json"))]
    assert len(histories) == seeds and all(len(h.epochs) == 15 and h.meta["config"]["train_subset"] == 0
                                           for h in histories), folder
    return f"{sum(meets_target(h) for h in histories)}/{seeds}"


def test_reliability_page_counts_the_committed_seeds(site):
    text = " ".join(read_page(site, "13_reliability").text)
    for step, seeds in (("07_augmentation", 10), ("08_shifts", 10), ("09_averaging", 10), ("10_separable", 10),
                        ("11_learning_rate", 20), ("12_earlier_drop", 20)):
        assert seeds_met(ROOT / "book" / "histories" / step / "test", seeds) in text, step
    assert seeds_met(ROOT / "book" / "histories" / "13_reliability" / "step_11_contiguous", 10) in text


def test_reliability_page_reads_each_idea_against_step_12(site):
    """Each idea tried on the final recipe changes one setting of it, has eight complete validation seeds, and is
    worded against step 12's validation seeds 1-8 as the page prints it, recomputed from the histories alone."""
    text = " ".join(" ".join(read_page(site, "13_reliability").text).split())
    reference = step_runs_committed("12_earlier_drop", "validation", seeds=range(1, 9))
    recipe = step_recipe("12_earlier_drop").on_validation().recipe()
    folders = sorted((ROOT / "book" / "histories" / "13_reliability" / "ideas").iterdir())
    assert len(folders) == 5
    for folder in folders:
        runs = {seed: History.load(folder / f"seed_{seed}" / "history.json") for seed in range(1, 9)}
        assert all(len(run.epochs) == 15 for run in runs.values()), folder.name
        recorded = RunConfig.from_record(runs[1].meta["config"]).recipe()
        assert len({name for name in recipe if recorded[name] != recipe[name]}) == 1, folder.name
        assert step_decision(runs, reference, "step 12")["difference"] in text, folder.name


def test_reliability_page_scores_pair_c_and_step_12_as_their_runs_recorded_their_last_epoch(site):
    """The page scores the saved weights again; their mean accuracy must be the one each run recorded at its last
    epoch."""
    text = " ".join(" ".join(read_page(site, "13_reliability").text).split())
    histories = ROOT / "book" / "histories"
    means = []
    for folder in (histories / "13_reliability" / "ideas" / "pair_c", histories / "12_earlier_drop" / "validation"):
        last = [History.load(folder / f"seed_{seed}" / "history.json").epochs[-1]["test_acc"] for seed in range(1, 9)]
        means.append(f"{sum(last) / len(last):.2f} %")
    assert " ; ".join(means) in text  # the Results row's last two figures: the pair; step 12's network


def test_smallest_reliable_page_follows_the_committed_runs(site):
    """Recomputed from the histories alone: the line's slope, the smallest network of the ladder whose validation
    seeds average the bar, and the count of test seeds meeting the target of each network tested from it up to the
    first that meets it for nine in ten, as the page prints them."""
    histories = ROOT / "book" / "histories"
    ladder = {name: histories / "17_smallest" / "validation" / name
              for name in ("Small_M", "Small_C", "Small_E", "Small_L", "Small_F", "Model_7")}
    ladder["Model_6"] = histories / "11_learning_rate" / "validation"
    runs = {name: [History.load(folder / f"seed_{seed}" / "history.json") for seed in range(1, 6)]
            for name, folder in ladder.items()}
    assert all(run.meta["config"]["holdout"] == 10000 and len(run.epochs) == 15 for rs in runs.values() for run in rs)
    order = sorted(runs, key=lambda name: runs[name][0].params)
    lows = {name: [summarise(run)["last5_min"] for run in runs[name]] for name in order}
    text = re.sub(r" ([,:;.])", r"\1", " ".join(" ".join(read_page(site, "17_smallest").text).split()))
    x = [math.log10(runs[name][0].params) for name in order for _ in lows[name]]
    slope = statistics.linear_regression(x, [low for name in order for low in lows[name]]).slope
    assert f"The line rises {slope:.2f} points for each tenfold parameters" in text
    chosen = next(name for name in order if statistics.mean(lows[name]) >= TARGET_ACCURACY)
    assert f"The rule chose {chosen}," in text
    for name in order[order.index(chosen):]:
        folder = histories / ("11_learning_rate/test" if name == "Model_6" else f"17_smallest/{name}")
        tested = [History.load(folder / f"seed_{seed}" / "history.json") for seed in range(1, 11)]
        assert all(run.meta["config"]["holdout"] == 0 and len(run.epochs) == 15 for run in tested)
        met = sum(map(meets_target, tested))
        assert f"{name} {met}/10" in text, name
        if met >= 9:
            named = re.search(r"the smallest reliable network here, by this chapter.s rule of nine test seeds in the "
                              r"first ten, is (\w+), with ([\d,]+) parameters", text)
            assert named and named.groups() == (name, f"{tested[0].params:,}")
            break


def test_peers_page_counts_the_committed_seeds(site):
    """Recomputed from the histories alone: each published network's seeds whose last five test accuracies all
    reach the bar, under its own recipe (seeds 1-10) and under the book's (seeds 1-5), as the Results table prints
    them, and the networks it names as meeting the target for nine seeds in ten."""
    text = re.sub(r" ([,:;.])", r"\1", " ".join(" ".join(read_page(site, "18_peers").text).split()))
    reliable = []
    for peer in ("Peer_A", "Peer_B", "Peer_C", "Peer_D", "Peer_E"):
        counts = []
        for recipe, seeds in (("own", 10), ("book", 5)):
            runs = [History.load(ROOT / "book" / "histories" / "18_peers" / peer / recipe / f"seed_{seed}" /
                                 "history.json") for seed in range(1, seeds + 1)]
            assert all(len(run.epochs) == 15 and run.meta["config"]["holdout"] == 0 for run in runs)
            counts.append(sum(summarise(run)["last5_min"] >= TARGET_ACCURACY for run in runs))
        assert re.search(rf"{peer}(?: \(accuracy alone\))?, own recipe / book recipe {counts[0]}/10 "
                         rf"\(95 % interval \d+-\d+ %\) / {counts[1]}/5 ", text), peer
        reliable += [peer] if counts[0] >= 9 else []
    names = " and ".join(reliable) if len(reliable) < 3 else ", ".join(reliable[:-1]) + " and " + reliable[-1]
    assert f"for at least 9 of 10 seeds under their own recipe {names or 'none'} " in text


def test_introduction_shows_the_steps_table(site):
    text = " ".join(read_page(site, "intro").text)
    assert "last-5 min mean %" in text and "7 rotations" in text


def test_every_chapter_opens_through_the_preamble():
    """nbval executes every chapter in smoke form through MNIST_BOOK_SMOKE (conftest.py); the runner sets SMOKE=True
    through papermill instead (the tiny books above run that path): every chapter that has a smoke form reads both
    through mnist_lib.chapter.open_chapter, and none reads the variable itself."""
    for notebook in chapters(ROOT)[1:]:  # the introduction is Markdown
        cells = nbformat.read(notebook, as_version=4).cells
        parameters = [cell for cell in cells if "parameters" in cell.metadata.get("tags", [])]
        assert len(parameters) == 1 and "SMOKE = False" in parameters[0].source, notebook.name
        code = "\n".join(cell.source for cell in cells if cell.cell_type == "code" and cell not in parameters)
        assert "MNIST_BOOK_SMOKE" not in code and "os.environ" not in code, notebook.name
        uses = [line for line in code.splitlines() if re.search(r"\bSMOKE\b", line)]
        assert all("open_chapter(SMOKE, OUT)" in line for line in uses), notebook.name
        if notebook.stem != "14_comparison":  # it only reads the step chapters' committed runs
            assert len(uses) == 1, notebook.name
