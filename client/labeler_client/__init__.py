"""Python client for the labeler REST API: list events, build dataset versions, download
them as ML-ready archives.

    from labeler_client import Labeler
    lab = Labeler("https://labeler.example.org", token="...")
    job = lab.create_dataset(3, ["coco"])
    done = lab.wait(job["id"])
    folder = lab.download(done["result"]["dataset"], "coco", "data/")
"""

from labeler_client.client import FORMATS, Labeler, extract_zip
from labeler_client.errors import (
    ChecksumMismatch,
    JobFailed,
    JobTimeout,
    LabelerError,
    UnsafeArchive,
)

__version__ = "0.1.0"

__all__ = [
    "FORMATS",
    "ChecksumMismatch",
    "JobFailed",
    "JobTimeout",
    "Labeler",
    "LabelerError",
    "UnsafeArchive",
    "__version__",
    "extract_zip",
]
