"""The zoo ships inside the package: a wheel built from this checkout holds every spec of
``architectures/`` (sub-folders included) as ``cnncalc/architectures/``, and cnncalc unpacked
from that wheel, away from any checkout, finds a network by its name.

The wheel is built from a copy of the checkout (nothing is written into it), with the
setuptools already installed and no network (``--no-build-isolation --no-index``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, ZOO_SPECS, zoo_id

SOURCES = ["cnncalc", "architectures", "pyproject.toml", "setup.py", "README.md"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools", minversion="68",
                        reason="building the wheel needs setuptools 68 (pyproject.toml)")
    top = tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        source, target = ROOT / name, top / "src" / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(top / "dist"), str(top / "src")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = (top / "dist").glob("cnncalc-*.whl")
    return built


def test_the_wheel_holds_every_zoo_spec(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    specs = {f"cnncalc/architectures/{zoo_id(p)}.yaml" for p in ZOO_SPECS}
    assert specs <= names, sorted(specs - names)
    assert "cnncalc/architectures/video/s3d.yaml" in names
    assert "cnncalc/py.typed" in names


def test_the_installed_package_finds_zoo_networks_by_name(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("from cnncalc.zoo import resolve\n"
            "for name in ('resnet50', 'efficientnet_v2_m', 's3d'):\n"
            "    path, settings = resolve(name)\n"
            "    print(name, path, settings)\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CNNCALC_ZOO", None)
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                           f"{str(site)!r})\n{code}"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    packaged = site / "cnncalc" / "architectures"
    assert lines == [f"resnet50 {packaged / 'resnet50.yaml'} {{}}",
                     f"efficientnet_v2_m {packaged / 'efficientnet_v2.yaml'} "
                     "{'size': 'm', 'resolution': 480}",
                     f"s3d {packaged / 'video' / 's3d.yaml'} {{}}"]
