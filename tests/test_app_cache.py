"""What-matters experiments live in the user's own cache folder, never in a folder shared by every user."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import sim
from ui import cache, compute

ROOT = Path(__file__).resolve().parent.parent


def test_the_cache_folder_follows_xdg_cache_home_and_is_private(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = cache.what_matters_root()
    assert root == tmp_path / "xdg" / "humanline" / "what-matters"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    monkeypatch.setenv(cache.ENV, str(tmp_path / "mine"))
    assert cache.what_matters_root() == tmp_path / "mine" / "what-matters"


def test_the_quick_experiment_runs_in_the_users_cache_not_the_shared_temporary_folder(monkeypatch, tmp_path):
    import sim.studies.uncertainty as uncertainty

    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    used = []
    monkeypatch.setattr(uncertainty, "run_experiment", lambda experiment, folder, **_: used.append(Path(folder)))
    monkeypatch.setattr(compute, "_what_matters", lambda folder, currency: folder)
    text = sim.scenario_to_yaml(sim.load_scenario(ROOT / "scenarios" / "payment_platform.yaml"))
    folder = compute.run_what_matters(text, "bot_cut40")
    assert used == [folder]
    assert folder.parent == tmp_path / "xdg" / "humanline" / "what-matters"
    assert Path(tempfile.gettempdir()) / "humanline-what-matters" not in folder.parents
