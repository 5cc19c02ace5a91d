"""The synthetic Sentinel-2-like input the imagery benchmarks share (no side effects)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine


def write_stack(
    path: Path, *, size: int, bands: int = 13, compress: str = "none", nodata_corner: bool = True
) -> None:
    """A ``bands``-band uint16 GeoTIFF, ``size`` px square, UTM 33N at 10 m, nodata 0.

    Smooth waves plus 3 % noise per band (compressible, but not trivially), a dark
    B10-like cirrus band at position 10 and (``nodata_corner``) a nodata corner, as real
    L1C stacks have.
    """
    rng = np.random.default_rng(42)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": bands,
        "dtype": "uint16",
        "crs": "EPSG:32633",
        "transform": Affine(10, 0, 399_960, 0, -10, 5_000_040),
        "nodata": 0,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": compress,
    }
    with rasterio.open(path, "w", **profile) as dst:
        for band in range(1, bands + 1):
            fx, fy = rng.uniform(0.002, 0.02, 2)
            level = 300 + 250 * band if band != 10 else 15
            wave = np.sin(x * fx + band) * np.cos(y * fy) + 1.5
            data = level * wave + rng.normal(0, level * 0.03, (size, size))
            data = np.clip(data, 1, 65535).astype(np.uint16)
            if nodata_corner:
                data[: size // 8, : size // 8] = 0
            dst.write(data, band)
