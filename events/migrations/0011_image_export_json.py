"""Each image's export-ready JSON, kept by PostgreSQL in a stored generated column.

A dataset build writes every selected image into the version's snapshot as JSON
(workers/exports/snapshot.py). Making the image's part of that text at each build (JSON
escaping, the footprint's GeoJSON, the date's format, the transform's checks) was a third
of the database's time for 10,000 images; the generated column makes it once, when the
image is written, on every write path, as 0010 does for annotations:

- ``export_json``: the snapshot entry's fields from ``width`` to ``file``, as a JSON
  object's members (``,"width":...,"file":"..."``); the build adds the id, the name and
  the version's split in front, and the annotations and tags behind.

Generated columns take immutable expressions only. ``to_json`` and ``to_char`` are
declared stable (they could depend on settings), but as used here, on text and with a
fixed, locale-free format, they depend on their argument alone: the two small functions
below say so (IMMUTABLE). PostgreSQL only (SpatiaLite builds the same JSON in Python),
and not a model field: Django never reads or writes it.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION labeler_json_string(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_json(value)::text $$;

CREATE OR REPLACE FUNCTION labeler_json_utc(value timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_json(
    to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN mod(date_part('microseconds', value)::bigint, 1000000) = 0 THEN ''
       ELSE to_char(value AT TIME ZONE 'UTC', '.US') END
    || 'Z')::text $$;
"""

EXPORT_JSON = """
',"width":' || width
|| ',"height":' || height
|| ',"band_count":' || band_count
|| ',"band_names":' || CASE WHEN jsonb_typeof(band_names) = 'array'
                        THEN band_names::text ELSE '[]' END
|| ',"dtype":' || labeler_json_string(dtype)
|| ',"nodata":' || CASE WHEN nodata IS NULL OR nodata IN ('NaN', 'Infinity', '-Infinity')
                    THEN 'null' ELSE nodata::text END
|| ',"crs":' || labeler_json_string(coalesce(crs, ''))
|| ',"transform":' || CASE
    WHEN jsonb_typeof(transform) IS DISTINCT FROM 'array'
      OR jsonb_array_length(transform) = 0 THEN 'null'
    WHEN jsonb_array_length(transform) <= 6 THEN transform::text
    ELSE jsonb_path_query_array(transform, '$[0 to 5]')::text END
|| ',"footprint":' || coalesce(ST_AsGeoJSON(footprint, 9, 0), 'null')
|| ',"acquired_at":' || coalesce(labeler_json_utc(acquired_at), 'null')
|| ',"source":"' || source
|| '","checksum":' || labeler_json_string(checksum)
|| ',"file":' || labeler_json_string(coalesce(file, ''))
"""


def add_column(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    schema_editor.execute(
        "ALTER TABLE events_image"
        f" ADD COLUMN export_json text GENERATED ALWAYS AS ({EXPORT_JSON}) STORED"
    )


def drop_column(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE events_image DROP COLUMN IF EXISTS export_json")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS labeler_json_string(text), labeler_json_utc(timestamptz)"
    )


class Migration(migrations.Migration):
    dependencies = [("events", "0010_annotation_export_json")]

    operations = [migrations.RunPython(add_column, drop_column, elidable=False)]
