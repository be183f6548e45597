"""The GitHub workflows: valid workflows that run only commands the README documents or .ci/run runs."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_are_valid_github_workflows():
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "pages.yml"}
    out = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                          *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def commands(text):
    """The commands of a shell text, one a line: continuations joined, comments and blank lines dropped."""
    lines = re.sub(r"\\\n\s*", "", text).splitlines()
    return {" ".join(re.sub(r"(^|\s)#.*", "", line).split()) for line in lines} - {""}


def documented_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```bash\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    return set().union(*map(commands, blocks)) | commands((ROOT / ".ci" / "run").read_text())


def test_every_workflow_step_runs_a_documented_command():
    documented = documented_commands()
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job["steps"]:
                undocumented = commands(step.get("run", "")) - documented
                assert not undocumented, f"{path.name} runs {undocumented}, which neither the README nor .ci/run has"


def test_the_pages_workflow_builds_the_site_as_the_site_test_does():
    fixture = re.search(r"\[jupyter_book, (.*?)\]", (ROOT / "tests" / "test_book.py").read_text())[1]
    command = " ".join(["jupyter-book", *ast.literal_eval(f"[{fixture}]")])
    assert command == "jupyter-book build -W -n --keep-going book/"
    assert f"run: {command}\n" in (ROOT / ".github" / "workflows" / "pages.yml").read_text()
