"""Every example in content/ is tested like code, loaded through the bot's own loader.

Python examples compile. Those that can run offline (`runs` true, the default) run in a
subprocess with this interpreter, in a fresh temporary folder, with a timeout: pytest-style ones
(a top-level `test_` function) under `python -m pytest`, the others as a script, and when the
example gives `output:` its stdout must be exactly that. `runs: false` examples (they need a
server or the network) are only compiled. Non-Python examples are checked where a parser is at
hand (bash -n, YAML, TOML, JSON) and otherwise shown as they are.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.render.parts import example_for
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Example, Roadmap
from tests.content.conftest import tally

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
TIMEOUT = 60  # seconds, per example


@dataclass(frozen=True)
class Case:
    name: str
    example: Example


def load_roadmaps() -> list[Roadmap]:
    result = load_directory(CONTENT)
    assert result.ok, [str(problem) for problem in result.problems]
    assert result.catalog is not None
    return list(result.catalog)


def all_cases() -> list[Case]:
    cases = []
    for roadmap in load_roadmaps():
        for stage in roadmap.stages:
            if stage.example is not None:
                cases.append(Case(f"{roadmap.id}/{stage.id}", stage.example))
            for topic in stage.topics:
                for number, example in enumerate(topic.examples, start=1):
                    suffix = f"#{number}" if len(topic.examples) > 1 else ""
                    cases.append(Case(f"{roadmap.id}/{stage.id}/{topic.id}{suffix}", example))
    return cases


CASES = all_cases()
PYTHON = [case for case in CASES if case.example.language == "python"]
RUNNABLE = [case for case in PYTHON if case.example.runs]


def is_pytest_style(code: str) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
        for node in ast.parse(code).body
    )


def run(example: Example) -> subprocess.CompletedProcess[str]:
    """Run `example` offline in a fresh temporary folder with this interpreter."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryDirectory(prefix="example-") as folder:
        if is_pytest_style(example.code):
            Path(folder, "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # its own root
            Path(folder, "test_example.py").write_text(example.code, encoding="utf-8")
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            command.append("test_example.py")
        else:
            Path(folder, "example.py").write_text(example.code, encoding="utf-8")
            command = [sys.executable, "example.py"]
        return subprocess.run(
            command, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )


@pytest.fixture(scope="module")
def results() -> dict[str, subprocess.CompletedProcess[str]]:
    """Every runnable example's result, run two at a time (CI has two cores)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda case: run(case.example), RUNNABLE)
        return {case.name: result for case, result in zip(RUNNABLE, done, strict=True)}


def ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


def test_the_content_has_examples_of_every_kind():
    assert RUNNABLE, "no runnable example found"
    assert len(RUNNABLE) < len(PYTHON) <= len(CASES)


@pytest.mark.parametrize("case", PYTHON, ids=ids(PYTHON))
def test_every_python_example_compiles(case: Case, request):
    compile(case.example.code, f"<{case.name}>", "exec")
    if not case.example.runs:
        assert case.example.why, f"{case.name}: runs: false needs a reason"
        tally(request.config)["compiled"] += 1


@pytest.mark.parametrize("case", RUNNABLE, ids=ids(RUNNABLE))
def test_every_runnable_example_runs_offline(case: Case, results, request):
    result = results[case.name]
    assert result.returncode == 0, f"{case.name} failed:\n{result.stdout}\n{result.stderr}"
    if case.example.output is not None:
        assert result.stdout == case.example.output, case.name
    tally(request.config)["ran"] += 1


OTHER = [case for case in CASES if case.example.language != "python"]


@pytest.mark.parametrize("case", OTHER, ids=ids(OTHER))
def test_non_python_examples_are_well_formed(case: Case, request, tmp_path):
    code, language = case.example.code, case.example.language
    if language in ("bash", "sh", "shell"):
        script = tmp_path / "example.sh"
        script.write_text(code, encoding="utf-8")
        checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, f"{case.name}: {checked.stderr}"
    elif language == "yaml":
        yaml.safe_load(code)
    elif language == "toml":
        tomllib.loads(code)
    elif language == "json":
        json.loads(code)
    else:
        tally(request.config)["shown"] += 1
        return
    tally(request.config)["checked"] += 1


def declared_extras() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        names.extend(extra)
    return {normalise(re.split(r"[\[<>=!~ ;]", name, maxsplit=1)[0]) for name in names}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_required_package_is_declared_in_pyproject():
    declared = declared_extras()
    missing = {
        (case.name, package)
        for case in CASES
        for package in case.example.requires
        if normalise(package) not in declared
    }
    assert not missing, f"add these to pyproject's examples extra: {sorted(missing)}"


def test_every_topic_of_the_default_roadmap_shows_its_own_example():
    result = load_directory(CONTENT)
    assert result.catalog is not None
    roadmap = result.catalog.require("python-backend")
    for stage in roadmap.stages:
        for topic in stage.topics:
            assert topic.examples, f"{topic.id} has no example of its own"
            picked = example_for(topic, stage)
            assert picked is topic.examples[0], topic.id
            if stage.example is not None:
                assert picked is not stage.example, topic.id
                assert picked.code != stage.example.code, topic.id
