import os

from mnist_lib.chapter import SMOKE_VARIABLE, open_chapter
from mnist_lib.config import RunConfig


def test_full_form_keeps_the_committed_folder_and_the_recipe(monkeypatch):
    monkeypatch.delenv(SMOKE_VARIABLE, raising=False)
    chapter = open_chapter(False, "histories/02_skeleton")
    assert not chapter.smoke and chapter.out == "histories/02_skeleton"
    assert chapter.recipe(RunConfig()) == RunConfig()
    assert chapter.folder("histories/13_reliability/step_8") == "histories/13_reliability/step_8"
    assert chapter.processes == 2  # one worker per core


def test_the_parameter_or_the_variable_turns_on_smoke_form_in_a_fresh_folder(monkeypatch):
    monkeypatch.delenv(SMOKE_VARIABLE, raising=False)
    by_parameter = open_chapter(True, "histories/02_skeleton")
    monkeypatch.setenv(SMOKE_VARIABLE, "1")
    by_variable = open_chapter(False, "histories/02_skeleton")
    for chapter in (by_parameter, by_variable):
        assert chapter.smoke and os.path.isdir(chapter.out) and not os.listdir(chapter.out)
        assert chapter.recipe(RunConfig()) == RunConfig().smoke()
        assert chapter.processes == 0  # smoke runs train in the notebook's own process
        assert chapter.folder("histories/13_reliability/step_8/") == os.path.join(
            chapter.out, "histories", "13_reliability", "step_8")
    assert by_parameter.out != by_variable.out


def test_only_the_value_1_turns_on_smoke_form(monkeypatch):
    monkeypatch.setenv(SMOKE_VARIABLE, "0")
    assert not open_chapter(False, "out").smoke
