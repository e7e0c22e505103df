"""Where the app keeps what it computes across sessions: the user's own cache folder, never a shared one.

What-matters experiments are resumable folders; kept under the system's
temporary folder they were shared by every user and app instance on the
machine. They live in the platform's per-user cache folder instead
(``platformdirs``: ``$XDG_CACHE_HOME/humanline`` or ``~/.cache/humanline`` on
Linux, ``~/Library/Caches/humanline`` on macOS, ``%LOCALAPPDATA%\\humanline\\Cache``
on Windows); ``HUMANLINE_CACHE_DIR`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

ENV = "HUMANLINE_CACHE_DIR"


def cache_root() -> Path:
    """The app's cache folder for this user (not created)."""
    return Path(os.environ.get(ENV) or user_cache_dir("humanline", appauthor=False)).expanduser()


def what_matters_root() -> Path:
    """The folder of the What-matters experiments, created private to this user."""
    root = cache_root() / "what-matters"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root
