"""Theme files: loading, validation, selection, cycling, and falling back from a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from ui_builders import hand_app, incident, screen_text

from oncall_tui.ui.themes import (
    STATUS_VARIABLES,
    ThemeFileInvalid,
    load_theme_file,
    select_themes,
    theme_dirs,
)
from oncall_tui.ui.widgets.matrix import ServiceMatrix

REPO_THEMES = Path(__file__).resolve().parents[1] / "themes"
SHIPPED = ("oncall-dark", "oncall-light", "oncall-high-contrast")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_themes_load_and_set_every_status_colour(name):
    theme = load_theme_file(REPO_THEMES / f"{name}.yaml")
    assert theme.name == name
    colours = [theme.variables[v] for v in STATUS_VARIABLES]
    assert len(set(colours)) == len(colours)  # every status its own colour


def test_high_contrast_ok_and_crit_differ_for_red_green_colour_blindness():
    theme = load_theme_file(REPO_THEMES / "oncall-high-contrast.yaml")
    ok = Color.parse(theme.variables["status-ok"])
    crit = Color.parse(theme.variables["status-crit"])
    # blue vs orange: they differ on the blue-yellow axis, which red-green deficiency keeps
    assert ok.b > ok.r and crit.r > crit.b
    assert abs(ok.brightness - crit.brightness) > 0.05 or abs(ok.b - crit.b) > 100


def test_a_bad_colour_is_an_error_naming_the_file_and_the_key(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nprimary: '#123456'\nvariables: {status-crit: notacolour}\n")
    with pytest.raises(ThemeFileInvalid) as caught:
        load_theme_file(bad)
    assert str(bad) in str(caught.value)
    assert "variables.status-crit" in str(caught.value)


def test_unknown_fields_and_bad_yaml_are_errors(tmp_path):
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: typo\nprimary: '#123456'\nbackgorund: '#000000'\n")
    with pytest.raises(ThemeFileInvalid, match="backgorund"):
        load_theme_file(typo)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ThemeFileInvalid, match="not valid YAML"):
        load_theme_file(broken)


def test_user_theme_folder_is_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "oncall" / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text("primary: '#336699'\n")
    assert folder in theme_dirs()
    selection = select_themes("mine", theme_dirs())
    assert selection.selected == "mine"
    assert selection.errors == ()


def test_a_theme_file_path_can_be_given(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text("name: war-room\nprimary: '#336699'\n")
    selection = select_themes(str(path), [REPO_THEMES])
    assert selection.selected == "war-room"


def test_unknown_theme_name_falls_back_to_the_default_with_an_error():
    selection = select_themes("no-such-theme", [REPO_THEMES])
    assert selection.selected == "oncall-dark"
    assert "no-such-theme" in str(selection.errors[0])


async def test_default_theme_is_oncall_dark_and_t_cycles_the_theme_files():
    app, _ = hand_app(incident(), theme_folders=[REPO_THEMES])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "oncall-dark"
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("t")
            await pilot.pause()
            seen.append(app.theme)
        assert set(seen) == set(SHIPPED)
        assert seen[-1] == "oncall-dark"
        assert "✖ 2.3 " in screen_text(app) and "✖ CRIT" in screen_text(app)


async def test_theme_option_selects_the_light_theme():
    app, _ = hand_app(incident(), theme="oncall-light", theme_folders=[REPO_THEMES])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "oncall-light"
        assert app.theme_variables["status-crit"].lower() == "#c62828"


async def test_bad_theme_file_falls_back_with_an_error_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "oncall-broken.yaml"
    bad.write_text("name: oncall-broken\nprimary: 12\nsurface: 'not a colour'\n")
    app, _ = hand_app(incident(), theme=str(bad), theme_folders=[REPO_THEMES])
    assert str(bad) in capsys.readouterr().err
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == "oncall-dark"
        messages = [n.message for n in app._notifications]
        assert any(str(bad) in m and "primary" in m for m in messages), messages
        assert "✖ 2.3 " in screen_text(app) and "✖ CRIT" in screen_text(app)


async def test_no_color_keeps_statuses_readable_by_glyph_and_word(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app, _ = hand_app(incident(), theme_folders=[REPO_THEMES])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.no_color
        text = screen_text(app)
        assert "✖ CRIT" in text and "▲ WARN" in text and "● OK" in text


async def test_cycling_the_theme_recolours_the_status_cells():
    app, _ = hand_app(incident(), theme_folders=[REPO_THEMES])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(ServiceMatrix)

        def crit_colour() -> str:
            style = table.get_cell("arq", "error_rate").style
            return style.color.name if style.color is not None else ""

        before = crit_colour()
        assert before.lower() == app.theme_variables["status-crit"].lower()
        await pilot.press("t")
        await pilot.pause()
        assert crit_colour().lower() == app.theme_variables["status-crit"].lower()
        assert crit_colour() != before


async def test_the_readme_says_the_theme_order_that_t_goes_through():
    import re

    readme = (REPO_THEMES.parent / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("| `t` |"))
    said = re.findall(r"`(oncall-[a-z-]+)`", line)
    app, _ = hand_app(incident(), theme_folders=[REPO_THEMES])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        seen = [app.theme]
        for _ in range(len(said) - 1):
            await pilot.press("t")
            await pilot.pause()
            seen.append(app.theme)
    assert seen == said
