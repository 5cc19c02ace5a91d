"""Each annotation's export-ready JSON, kept by PostgreSQL in stored generated columns.

A dataset build writes every selected annotation into the version's snapshot as JSON
(workers/exports/snapshot.py). Making that text at each build (jsonb and geometry output)
was most of the database's time for 100,000 annotations; generated columns make it once,
when the annotation is written, on every write path (saves, bulk creates, updates) with
no code of ours to forget:

- ``export_json``: the snapshot entry's fields from ``kind`` to ``review_state``, as a
  JSON object's members (``,"kind":...,"review_state":"..."``); the build adds the id, the
  class's export id and the author's name, which live elsewhere;
- ``export_geo``: the EPSG:4326 geometry as GeoJSON (9 decimals), or ``null``.

PostgreSQL only (SpatiaLite builds the same JSON in Python), and not model fields: Django
never reads or writes them. kind, source and review_state are choice codes (checked by
the API; kind also by a constraint): plain text, no JSON escaping needed.
"""

from django.db import migrations

EXPORT_JSON = """
',"kind":"' || kind
|| '","geometry":' || geometry::text
|| ',"mask":' || coalesce(mask::text, 'null')
|| ',"attributes":' || coalesce(attributes::text, '{}')
|| ',"source":"' || source
|| '","confidence":' || CASE
    WHEN confidence IS NULL OR confidence IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
    ELSE confidence::text END
|| ',"difficulty":' || coalesce(difficulty::text, 'null')
|| ',"review_state":"' || review_state || '"'
"""

EXPORT_GEO = "coalesce(ST_AsGeoJSON(geo_geometry, 9, 0), 'null')"


def add_columns(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE events_annotation"
        f" ADD COLUMN export_json text GENERATED ALWAYS AS ({EXPORT_JSON}) STORED,"
        f" ADD COLUMN export_geo text GENERATED ALWAYS AS ({EXPORT_GEO}) STORED"
    )


def drop_columns(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE events_annotation DROP COLUMN IF EXISTS export_json,"
        " DROP COLUMN IF EXISTS export_geo"
    )


class Migration(migrations.Migration):
    dependencies = [("events", "0009_worklog")]

    operations = [migrations.RunPython(add_columns, drop_columns, elidable=False)]
