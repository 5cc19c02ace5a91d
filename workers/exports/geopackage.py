"""GeoPackage: one ``labels.gpkg`` with the layers annotations, map_shapes and footprints.

The columns are those of the GeoJSON export; CRS EPSG:4326. Written with GDAL/OGR
(``workers.exports.ogr``) into a temporary file, then copied into the ZIP.
https://www.geopackage.org/spec/
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from workers.exports import ogr
from workers.exports.base import ExportWriter, Snapshot
from workers.exports.geojson import ATTRIBUTE_DOC, class_table, unplaced_note

name = "gpkg"
title = "GeoPackage (EPSG:4326)"
geographic = True  # reads the annotations' EPSG:4326 geometry

FILE = "labels.gpkg"


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    with tempfile.TemporaryDirectory(prefix="labeler-gpkg-") as tmp:
        path = Path(tmp) / FILE
        ogr.write_geopackage(path, snapshot, ogr.layers(snapshot))
        out.write_file(FILE, path, compress=True)


def readme(snapshot: Snapshot) -> str:
    sections = []
    for layer in ogr.layers(snapshot):
        geometry_type, _ = ogr.geopackage_type(layer)
        sections.append(
            f"### Layer `{layer.name}` ({layer.count} features, geometry {geometry_type})\n\n"
            + ogr.columns_table(layer, shapefile=False)
        )
    layers = "\n\n".join(sections)
    return f"""\
## GeoPackage

`{FILE}`: one GeoPackage, CRS EPSG:4326 (longitude, latitude), with three layers:

- `annotations`: one feature per annotation of a georeferenced image (boxes and masks as
  polygons, a mask as the outline of its pixels). When the layer mixes polygons, lines and
  points its geometry type is the generic `Unknown` (GEOMETRY); QGIS then offers one
  sub-layer per geometry type.
- `map_shapes`: the shapes drawn on the event map, with their own properties as `prop_<key>`.
- `footprints`: one feature per image with a footprint.

Every layer is present, with its columns, even when it has no feature.

{unplaced_note(snapshot)}

Annotation columns: as in the GeoJSON export; free-form attributes are flattened into one
column each, `attr_<key>`, typed from their values (integer, real, boolean, or text; lists,
objects and mixed values as JSON text), null where an annotation has no such attribute.

{ATTRIBUTE_DOC}
{layers}

Classes:

{class_table(snapshot)}

Load:

```python
import geopandas
annotations = geopandas.read_file("{FILE}", layer="annotations")
footprints = geopandas.read_file("{FILE}", layer="footprints")
```

`ogrinfo {FILE}` lists the layers; QGIS opens the file directly.
"""
