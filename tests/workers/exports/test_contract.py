"""The contract every export format keeps (workers/exports/base.py), run over the registry."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.exports_data import CLASSES, sample_snapshot
from workers.errors import UnknownExportFormat
from workers.exports import EXPORTERS, exporter
from workers.exports.base import ExportWriter, Snapshot


def write(fmt: str, snapshot: Snapshot, path: Path) -> ExportWriter:
    with ExportWriter(path) as out:
        exporter(fmt).export(snapshot, out)
    return out


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_module_interface(fmt: str) -> None:
    module = exporter(fmt)
    assert module.name == fmt
    assert isinstance(module.title, str) and module.title
    assert isinstance(module.geographic, bool)
    readme = module.readme(sample_snapshot())
    assert isinstance(readme, str) and readme.startswith("#")


@pytest.mark.parametrize("fmt", sorted(f for f in EXPORTERS if not exporter(f).geographic))
def test_a_format_that_is_not_geographic_reads_no_geo_geometry(fmt: str, tmp_path: Path) -> None:
    # Builds read the snapshot without the EPSG:4326 geometries for these formats.
    full = sample_snapshot()
    records = [
        replace(r, annotations=[replace(a, geo_geometry=None) for a in r.annotations])
        for r in full.images()
    ]
    assert any(a.geo_geometry for r in full.images() for a in r.annotations)
    without = replace(full, images=lambda: iter(records))
    assert _contents(fmt, full, tmp_path / "full.zip") == _contents(
        fmt, without, tmp_path / "without.zip"
    )


def _contents(fmt: str, snapshot: Snapshot, path: Path) -> dict[str, bytes]:
    write(fmt, snapshot, path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_export_writes_hashed_files_and_is_reproducible(fmt: str, tmp_path: Path) -> None:
    first = write(fmt, sample_snapshot(), tmp_path / "a.zip")
    assert first.files, f"{fmt} wrote nothing"
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert sorted(archive.namelist()) == sorted(f.path for f in first.files)
        for entry in first.files:
            data = archive.read(entry.path)
            assert hashlib.sha256(data).hexdigest() == entry.sha256
            assert len(data) == entry.size
    # The same snapshot gives the same bytes: a version can be rebuilt and compared.
    second = write(fmt, sample_snapshot(), tmp_path / "b.zip")
    assert [(f.path, f.sha256) for f in second.files] == [(f.path, f.sha256) for f in first.files]


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_an_empty_version_exports_without_error(fmt: str, tmp_path: Path) -> None:
    empty = Snapshot.from_records(
        event={"id": 1, "name": "Empty", "slug": "empty", "phenomenon": "flood", "team": "T"},
        classes=CLASSES,
        images=[],
    )
    write(fmt, empty, tmp_path / "empty.zip")
    assert isinstance(exporter(fmt).readme(empty), str)


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(UnknownExportFormat) as caught:
        exporter("tfrecord")
    assert "Unknown export format 'tfrecord'" in str(caught.value)
    assert "coco" in str(caught.value) and "stac" in str(caught.value)
