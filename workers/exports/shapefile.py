"""ESRI Shapefile: the GeoPackage's layers as Shapefiles under ``shapefile/``, EPSG:4326.

A Shapefile holds one geometry type, so each layer is split by geometry family:
``<layer>_polygons``, ``_lines``, ``_points`` (and ``_multipoints``), each a .shp, .shx, .dbf,
.prj (EPSG:4326) and .cpg (UTF-8). DBF field names are at most 10 characters: the README
gives the mapping. Written with GDAL/OGR (``workers.exports.ogr``) into a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from workers.exports import ogr
from workers.exports.base import ExportWriter, Snapshot
from workers.exports.geojson import class_table, unplaced_note

name = "shapefile"
title = "ESRI Shapefile (EPSG:4326)"
geographic = True  # reads the annotations' EPSG:4326 geometry

FOLDER = "shapefile"
EXTENSIONS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    with tempfile.TemporaryDirectory(prefix="labeler-shp-") as tmp:
        directory = Path(tmp)
        for stem in ogr.write_shapefiles(directory, snapshot, ogr.layers(snapshot)):
            for extension in EXTENSIONS:
                path = directory / f"{stem}{extension}"
                if path.exists():
                    out.write_file(f"{FOLDER}/{stem}{extension}", path, compress=True)


def readme(snapshot: Snapshot) -> str:
    sections = []
    for layer in ogr.layers(snapshot):
        files = ogr.files_present(layer)
        listed = ", ".join(f"`{FOLDER}/{stem}.shp`" for stem in files) or "none (no feature)"
        sections.append(
            f"### {layer.name} ({layer.count} features): {listed}\n\n"
            + ogr.columns_table(layer, shapefile=True)
        )
    layers = "\n\n".join(sections)
    return f"""\
## Shapefile

Folder `{FOLDER}/`: the layers `annotations`, `map_shapes` and `footprints`, CRS EPSG:4326
(longitude, latitude; the `.prj` of each file says so), text in UTF-8 (the `.cpg`).

A Shapefile holds a single geometry type, so each layer is split by geometry family into
`<layer>_polygons` (polygons and multipolygons: boxes, polygons, mask outlines),
`<layer>_lines`, `<layer>_points` and `<layer>_multipoints`, each with its `.shp`, `.shx`,
`.dbf`, `.prj` and `.cpg`. A family a layer does not hold gets no file; a layer with no
feature at all has none.

{unplaced_note(snapshot)}

DBF limits: field names are at most 10 characters, so the long column names are shortened
(`annotation_id` -> `ann_id`, `review_state` -> `review`, `map_shape_id` -> `shape_id`,
`acquired_at` -> `acquired`); free-form attributes `attr_<key>` become `a_<key>` and map
shape properties `prop_<key>` become `p_<key>`, in ASCII, cut to 10 characters and made
unique with a trailing number. Text values are cut at 254 bytes; there is no null for
numbers in some readers (they may read 0). The GeoPackage export has none of these limits.

{layers}

Classes:

{class_table(snapshot)}

Load:

```python
import geopandas
polygons = geopandas.read_file("{FOLDER}/annotations_polygons.shp")
# or straight from the ZIP:
polygons = geopandas.read_file("zip://export.zip!{FOLDER}/annotations_polygons.shp")
```
"""
