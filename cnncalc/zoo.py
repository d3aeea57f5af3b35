"""Zoo networks by name: ``cnncalc analyze efficientnet_b3`` finds the family file and the
values of its ``args`` that make that member (the file's ``variants:``).

A name is looked up only when no file of that name exists, in the folder named by
``CNNCALC_ZOO``, then the zoo: ``cnncalc/architectures/`` in an installed package (setup.py
ships it there), ``architectures/`` beside the package in a source checkout. Sub-folders
count (``architectures/video/s3d.yaml`` is ``s3d``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

from .errors import SpecError, did_you_mean


def zoo_folders() -> list[Path]:
    from pathlib import Path  # only when a name is looked up: pathlib costs the common path

    folders = []
    if os.environ.get("CNNCALC_ZOO"):
        folders.append(Path(os.environ["CNNCALC_ZOO"]))
    here = Path(__file__).resolve().parent
    folders += [here / "architectures", here.parent / "architectures"]
    return [f for f in folders if f.is_dir()]


def catalogue() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every zoo name: a file's own stem, and each of its ``variants``."""
    from .source import PosDict, load_yaml
    from .spec.library import read_text

    names: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in zoo_folders():
        for path in sorted(folder.rglob("*.yaml")):
            names.setdefault(path.stem, (path, {}))
            text = read_text(str(path))
            if "\nvariants:" not in text:
                continue
            variants = load_yaml(text, str(path)).get("variants")
            if isinstance(variants, PosDict):
                for name, settings in variants.items():
                    names.setdefault(name, (path, dict(settings or {})))
    return names


def resolve(spec: str) -> tuple[str, dict[str, Any]]:
    """A file path (as given when it exists, or ``-``), or a zoo name's file and settings."""
    if spec == "-" or os.path.exists(spec) or os.sep in spec or spec.endswith((".yaml", ".yml")):
        return spec, {}
    names = catalogue()
    if spec in names:
        path, settings = names[spec]
        return str(path), settings
    raise SpecError(f"no such file: {spec}, and no zoo network of that name"
                    f"{did_you_mean(spec, names)}")
