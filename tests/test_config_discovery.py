"""Where the config file is looked for, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config.errors import ConfigNotFound
from oncall_tui.config.loader import find_config_path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    cwd = tmp_path / "work"
    xdg = tmp_path / "xdg"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    found = {
        "explicit": tmp_path / "explicit.yaml",
        "env": tmp_path / "env.yaml",
        "cwd": cwd / "oncall.yaml",
        "user": xdg / "oncall" / "config.yaml",
    }
    for path in found.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("services: {}\n")
    return found


def test_explicit_path_wins(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_CONFIG", str(places["env"]))
    assert find_config_path(str(places["explicit"])) == places["explicit"]


def test_then_oncall_config_env(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_CONFIG", str(places["env"]))
    assert find_config_path(None) == places["env"]


def test_then_the_current_folder_then_the_user_config(places: dict[str, Path]) -> None:
    assert find_config_path(None) == places["cwd"]
    places["cwd"].unlink()
    assert find_config_path(None) == places["user"]


def test_user_config_falls_back_to_home_dot_config(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    places["cwd"].unlink()
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    home_config = tmp_path / "home" / ".config" / "oncall" / "config.yaml"
    home_config.parent.mkdir(parents=True)
    home_config.write_text("services: {}\n")
    assert find_config_path(None) == home_config


def test_nothing_found_lists_every_place_looked_at(places: dict[str, Path]) -> None:
    places["cwd"].unlink()
    places["user"].unlink()
    with pytest.raises(ConfigNotFound) as caught:
        find_config_path(None)
    message = str(caught.value)
    assert str(places["cwd"]) in message and str(places["user"]) in message


def test_a_missing_explicit_path_never_falls_back(places: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigNotFound) as caught:
        find_config_path(str(tmp_path / "typo.yaml"))
    assert "typo.yaml" in str(caught.value)
    assert str(places["cwd"]) not in str(caught.value)
