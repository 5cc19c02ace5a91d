"""``extract_zip`` refuses members that would land outside the folder, before writing any."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from labeler_client import UnsafeArchive, extract_zip


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_a_plain_archive_is_extracted(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"README.md": b"hi", "annotations/x.json": b"{}"})

    folder = extract_zip(archive, tmp_path / "out")

    assert folder == tmp_path / "out"
    assert (folder / "README.md").read_bytes() == b"hi"
    assert (folder / "annotations" / "x.json").read_bytes() == b"{}"


@pytest.mark.parametrize(
    ("member", "why"),
    [
        ("../evil.txt", "'..'"),
        ("annotations/../../evil.txt", "'..'"),
        ("/etc/evil.txt", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("..\\evil.txt", "backslash"),
    ],
)
def test_a_member_outside_the_folder_is_refused(tmp_path: Path, member: str, why: str) -> None:
    archive = _zip(tmp_path / "a.zip", {"README.md": b"hi", member: b"x"})

    with pytest.raises(UnsafeArchive, match=why) as caught:
        extract_zip(archive, tmp_path / "out")

    assert caught.value.member == member
    assert caught.value.code == "unsafe_archive"
    assert not (tmp_path / "out").exists()  # nothing written, not even the safe member
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"README.md": b"hi"}, symlink="link")

    with pytest.raises(UnsafeArchive, match="symbolic link"):
        extract_zip(archive, tmp_path / "out")

    assert not (tmp_path / "out").exists()
