"""labeler-client installs with pip: build it from a copy of client/ into a folder and
import it, and its console script, from there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.client.conftest import CLIENT_DIR


def test_pip_installs_the_package_and_its_script(tmp_path: Path) -> None:
    # A copy: setuptools writes build/ and *.egg-info next to the sources it builds.
    source = shutil.copytree(
        CLIENT_DIR,
        tmp_path / "src",
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    target = tmp_path / "site"

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        timeout=240,
    )

    env = {**os.environ, "PYTHONPATH": str(target)}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import labeler_client as c; print(c.__file__, c.__version__)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == [str(target / "labeler_client" / "__init__.py"), "0.1.0"]

    (metadata,) = target.glob("labeler_client-*.dist-info/METADATA")
    requires = [
        line.split(":", 1)[1].strip()
        for line in metadata.read_text().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert [r.split(">")[0].split("=")[0] for r in requires] == ["requests", "tqdm"]
    assert "Requires-Python: >=3.10" in metadata.read_text()

    script = target / "bin" / "labeler-client"
    assert "labeler_client.cli" in script.read_text()
    version = subprocess.run(
        [sys.executable, str(script), "--version"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (version.returncode, version.stdout.strip()) == (0, "labeler-client 0.1.0")
