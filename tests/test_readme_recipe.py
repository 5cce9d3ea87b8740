"""The README's "add your own perturbation" recipe, run verbatim from a fresh home folder."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO_ROOT


def readme_recipe() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(
        r"<!-- recipe: run verbatim by tests/test_readme_recipe.py -->\n```bash\n(.*?)```\n"
        r"<!-- end of recipe -->",
        readme,
        re.S,
    )
    assert match, "the README has no recipe block"
    return match.group(1)


def test_the_readme_recipe_trains_a_plugin_perturbation_outside_the_clone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), OMP_NUM_THREADS="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # `.venv` active
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_recipe()],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((home / "my_project" / "runs" / "mine" / "metrics.json").read_text())
    assert metrics["training_scaled_random_loss"] > 0
    assert "test_accuracy" in metrics
