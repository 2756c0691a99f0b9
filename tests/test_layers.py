"""The layer contract (pyproject.toml, `[tool.importlinter]`) holds, and it is not toothless:
the same check on a copy of the code with one upward import added fails and names it."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("config", "tasks", "api", "signup", "staff", "comments", "memberships")
PACKAGES += ("audience", "webhooks", "analytics")
PACKAGES += ("blog", "media", "tenants", "shared", "lib")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_layers_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    for name in PACKAGES:
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.html")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    models = tmp_path / "tenants" / "models.py"
    models.write_text(models.read_text() + "\nfrom blog import cache  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "tenants is not allowed to import blog" in result.stdout
    assert "tenants.models -> blog.cache" in result.stdout
