"""Issue 26, item 6: ``export`` deletes only what a manifest written by the app says it wrote.

A folder that merely holds an ``_export/manifest.txt`` (hand-written, copied from a real export,
or edited) is refused, naming the folder, and nothing in it is touched; so is a real export that
someone has since added a file to or edited. A real, untouched export is replaced as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo.export import MANIFEST, ExportError, check_out_dir, manifest_bytes, read_manifest, write_site
from tests.conftest import boundaries_path

ROOT = Path(__file__).resolve().parents[1]
SITE = {"index.html": b"<p>hi</p>", "api/x.json": b"{}", "api/x.json.js": b"x", "_export/shim.js": b"s"}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _theirs(folder: Path, manifest: bytes) -> dict[str, bytes]:
    """Someone's folder with a file named like our manifest in it."""
    (folder / "_export").mkdir(parents=True)
    (folder / MANIFEST).write_bytes(manifest)
    (folder / "thesis.docx").write_bytes(b"years of work")
    (folder / "photos").mkdir()
    (folder / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    return _tree(folder)


OLD_STYLE = b"hokkaido-map export\nfiles: 3\n"  # what the app wrote before issue 26: no hashes


@pytest.mark.parametrize("manifest", [
    OLD_STYLE,
    b"anything at all",
    manifest_bytes(SITE)[:-10] + b"0" * 9 + b"\n",  # a seal that does not match
    manifest_bytes(SITE).replace(b"index.html", b"thesis.docx"),  # edited: seal broken
    b"\xff\xfe not text",
])
def test_a_fake_or_edited_manifest_is_refused_and_nothing_deleted(tmp_path, manifest):
    folder = tmp_path / "docs"
    before = _theirs(folder, manifest)
    with pytest.raises(ExportError) as exc:
        write_site(SITE, folder)
    assert str(exc.value).startswith(f"{folder}: {MANIFEST} was not written by hokkaido-map export")
    assert _tree(folder) == before


def test_a_real_manifest_copied_into_another_folder_is_refused(tmp_path):
    real = tmp_path / "site"
    write_site(SITE, real)
    folder = tmp_path / "docs"
    before = _theirs(folder, (real / MANIFEST).read_bytes())
    with pytest.raises(ExportError, match=rf"^{folder}: photos/ is a folder the export did not write; "
                                          "nothing is deleted"):
        write_site(SITE, folder)
    assert _tree(folder) == before


def test_a_real_export_with_a_file_added_or_edited_is_refused(tmp_path):
    out = tmp_path / "site"
    write_site(SITE, out)
    (out / "api" / "notes.txt").write_text("the web team's")
    before = _tree(out)
    with pytest.raises(ExportError, match=rf"^{out}: api/notes.txt is a file the export did not write"):
        write_site(SITE, out)
    assert _tree(out) == before
    (out / "api" / "notes.txt").unlink()
    (out / "index.html").write_bytes(b"<p>edited by hand</p>")
    with pytest.raises(ExportError, match=rf"^{out}: index.html was changed since the export wrote it"):
        write_site(SITE, out)
    assert (out / "index.html").read_bytes() == b"<p>edited by hand</p>"
    (out / "index.html").unlink()  # a file the export wrote, removed: nothing of anyone's is lost
    os.symlink("/etc/passwd", out / "api" / "link")
    with pytest.raises(ExportError, match="api/link is a link"):
        write_site(SITE, out)
    (out / "api" / "link").unlink()
    check_out_dir(out)  # now only what the export wrote is there
    write_site({**SITE, "index.html": b"<p>new</p>"}, out)
    assert _tree(out)["index.html"] == b"<p>new</p>"


def test_an_untouched_export_is_replaced_and_its_manifest_lists_every_file(tmp_path):
    out = tmp_path / "site"
    write_site(SITE, out)
    listed = read_manifest((out / MANIFEST).read_bytes())
    assert listed is not None and set(listed) == set(SITE)
    import hashlib

    assert all(listed[rel] == hashlib.sha256(SITE[rel]).hexdigest() for rel in SITE)
    write_site({"index.html": b"<p>again</p>"}, out)
    assert _tree(out).keys() == {"index.html", MANIFEST}


def test_manifest_round_trip():
    files = {**SITE, "地図/観光入込客数.html": b"x", "a  b.txt": b"two spaces"}
    listed = read_manifest(manifest_bytes(files))
    assert listed is not None and set(listed) == set(files)
    assert read_manifest(manifest_bytes({})) == {}
    with pytest.raises(ExportError, match="line break"):
        manifest_bytes({"a\nb": b""})


def test_cli_export_refuses_a_fake_manifest_naming_the_folder(tmp_path):
    folder = tmp_path / "docs"
    before = _theirs(folder, OLD_STYLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKKAIDO_MAP")}
    env.update(PYTHONPATH=str(ROOT), HOKKAIDO_MAP_BOUNDARIES=str(boundaries_path()))
    done = subprocess.run([sys.executable, "-m", "geo.cli", "export", str(folder), "--quiet"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"hokkaido-map: error: export: {folder}: {MANIFEST} was not written"), line
    assert _tree(folder) == before
