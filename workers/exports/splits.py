"""Train / validation / test splits: reproducible from a seed, stratified, spatially grouped.

Images are dealt out in units: one image, or with ``group_cell_km`` every image whose
footprint centre falls in the same grid cell, so that neighbouring (overlapping) tiles never
end up on both sides of a split. Units are stratified by their dominant class (the class
with most labels; unlabelled units form their own stratum); within a stratum the units are
shuffled with the seed and each goes to the split furthest below its target share. The
result depends only on the images, their strata, cells and the settings, never on database
order, so the same request splits the same way again.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from events.errors import InvalidInput
from workers.exports.base import SPLITS

KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class SplitSettings:
    ratios: dict[str, float]
    seed: int = 0
    stratify: bool = True
    group_cell_km: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.ratios,
            "seed": self.seed,
            "stratify": self.stratify,
            "group_cell_km": self.group_cell_km,
        }


DEFAULT_RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def split_settings(data: Mapping[str, Any] | None) -> SplitSettings:
    """Checked split settings from a request; InvalidInput names the problem."""
    data = dict(data or {})
    unknown = set(data) - {*SPLITS, "seed", "stratify", "group_cell_km"}
    if unknown:
        raise InvalidInput(
            f"Unknown split setting(s): {', '.join(sorted(unknown))}.",
            fields={"split": [f"Unknown: {', '.join(sorted(unknown))}."]},
        )
    given = {name: data[name] for name in SPLITS if name in data}
    ratios = dict(DEFAULT_RATIOS) if not given else {name: given.get(name, 0) for name in SPLITS}
    for name, value in ratios.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise InvalidInput(
                f"Split ratio {name!r} must be a number from 0 to 1.",
                fields={"split": [f"{name}: {value!r} is not in [0, 1]."]},
            )
    total = sum(ratios.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise InvalidInput(
            f"Split ratios must add up to 1 (they add up to {total:g}).",
            fields={"split": [f"train + validation + test = {total:g}"]},
        )
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInput("Split seed must be an integer.", fields={"split": ["seed"]})
    stratify = data.get("stratify", True)
    if not isinstance(stratify, bool):
        raise InvalidInput("Split stratify must be true or false.", fields={"split": ["stratify"]})
    cell = data.get("group_cell_km")
    if cell is not None and (
        isinstance(cell, bool) or not isinstance(cell, (int, float)) or not 0 < cell <= 20000
    ):
        raise InvalidInput(
            "Split group_cell_km must be a positive number of kilometres (at most 20000).",
            fields={"split": ["group_cell_km"]},
        )
    return SplitSettings(
        ratios={k: float(v) for k, v in ratios.items()},
        seed=seed,
        stratify=stratify,
        group_cell_km=float(cell) if cell is not None else None,
    )


def grid_cell(lon: float, lat: float, cell_km: float) -> tuple[int, int]:
    """The cell of a point in a grid of roughly ``cell_km`` squares: rows of constant
    latitude height; each row's columns as wide in kilometres as at that row's latitude."""
    lat_step = cell_km / KM_PER_DEGREE
    row = math.floor((lat + 90.0) / lat_step)
    row_lat = min(89.9, abs(-90.0 + (row + 0.5) * lat_step))
    lon_step = cell_km / (KM_PER_DEGREE * max(math.cos(math.radians(row_lat)), 1e-3))
    return row, math.floor((lon + 180.0) / lon_step)


def assign_splits(
    images: Mapping[int, tuple[str | None, tuple[float, float] | None]],
    settings: SplitSettings,
) -> dict[int, str]:
    """``{image id: split}`` for ``{image id: (stratum or None, footprint centre or None)}``.

    Images without a footprint are their own unit even when grouping.
    """
    units: dict[Any, list[int]] = defaultdict(list)
    for image_id in sorted(images):
        _, centre = images[image_id]
        if settings.group_cell_km and centre is not None:
            units[("cell", *grid_cell(centre[0], centre[1], settings.group_cell_km))].append(
                image_id
            )
        else:
            units[("image", image_id)].append(image_id)

    strata: dict[str, list[Any]] = defaultdict(list)
    for key, members in units.items():
        if settings.stratify and len(members) == 1:  # most units: the image's own stratum
            strata[images[members[0]][0] or ""].append(key)
            continue
        if settings.stratify:
            votes: Counter[str] = Counter()
            for image_id in members:
                if (image_stratum := images[image_id][0]) is not None:
                    votes[image_stratum] += 1
            stratum = min(votes, key=lambda s: (-votes[s], s)) if votes else ""
        else:
            stratum = ""
        strata[stratum].append(key)

    rng = random.Random(settings.seed)
    wanted = [name for name in SPLITS if settings.ratios.get(name, 0) > 0]
    assigned: dict[int, str] = {}
    for stratum in sorted(strata):
        keys = sorted(strata[stratum], key=repr)
        rng.shuffle(keys)
        size = sum(len(units[k]) for k in keys)
        targets = [settings.ratios[s] * size for s in wanted]
        filled = [0] * len(wanted)
        for key in keys:
            # The split furthest below its share of this stratum; ties go in SPLITS order
            # (``wanted`` is in SPLITS order and only a larger gap replaces the first).
            best, gap = 0, targets[0] - filled[0]
            for index in range(1, len(wanted)):
                if targets[index] - filled[index] > gap:
                    best, gap = index, targets[index] - filled[index]
            members = units[key]
            filled[best] += len(members)
            for image_id in members:
                assigned[image_id] = wanted[best]
    return assigned
