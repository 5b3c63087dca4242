"""The wheel carries every subpackage, the themes and the runbooks the demo links to."""

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the suite runs on 3.11 in CI

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "oncall_tui").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_themes_and_runbooks_are_mapped_into_the_package():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {
        "oncall_tui.themes": "themes",
        "oncall_tui.demo_runbooks": "runbooks",
    }
    assert list((ROOT / "themes").glob("*.yaml"))
    assert list((ROOT / "runbooks").glob("*.md"))


def test_an_editable_install_is_a_plain_path_on_sys_path():
    # setuptools' default editable install runs an import finder module at every start of
    # the venv's Python; `oncall status` is a command that starts often
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["distutils"]
    assert config["editable_wheel"]["mode"] == "compat"
    from oncall_tui.sources.demo.services import runbook_dirs
    from oncall_tui.ui.themes import theme_dirs

    # without the mapped packages, the checkout's folders are the ones found
    assert runbook_dirs() == (ROOT / "runbooks",)
    assert theme_dirs()[0] == ROOT / "themes"
