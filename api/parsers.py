from rest_framework.parsers import JSONParser


class GeoJSONParser(JSONParser):
    """Accept ``application/geo+json`` bodies (RFC 7946 §12) as JSON."""

    media_type = "application/geo+json"
