"""Failures of the environment: a missing model, a missing, corrupt or stale index, a build
killed halfway, a disk that refuses writes. Each ends with a clear message and loses nothing.

Real things throughout: the converted model, copies of the built index, and small indexes
built with the real encoder from a few real passages.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ROOT

from corpus.build import corpus_fingerprint, load_agencies, load_passages
from index.artifacts import (
    IndexBuildRunningError,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    build_index,
    load_background,
    load_index,
    publish,
    recover,
)
from index.model.folder import ModelMissingError, load_encoder
from service.launcher import Server


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under folder."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def load(settings, index_dir: Path, **overrides):
    """load_index as the engine calls it, with the real corpus and model."""
    kwargs = {
        "corpus_sha256": corpus_fingerprint(settings.corpus_dir),
        "passage_ids": [p.id for p in load_passages(settings.corpus_dir)],
        "model_dir": settings.model_dir,
    }
    return load_index(index_dir, **{**kwargs, **overrides})


@pytest.fixture
def index_copy(settings, tmp_path) -> Path:
    """A private copy of the real index, free to damage."""
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    return copy


@pytest.fixture(scope="module")
def encoder(engine):
    """The real encoder, shared with the session's engine (loaded once for all tests)."""
    return engine.searcher.encoder


class CountingEncoder:
    """The real encoder, counting its encode calls."""

    def __init__(self, encoder) -> None:
        self.encoder, self.calls = encoder, 0

    def __getattr__(self, name: str):
        return getattr(self.encoder, name)

    def encode(self, *args, **kwargs):
        self.calls += 1
        return self.encoder.encode(*args, **kwargs)


SMALL = 3  # passages in the small real indexes


def small_build(settings, encoder, out_dir: Path, count: int = SMALL) -> dict:
    """A real index of a few real passages: seconds with the real encoder."""
    return build_index(
        load_passages(settings.corpus_dir)[:count],
        load_agencies(settings.corpus_dir),
        encoder,
        out_dir,
        corpus_sha256="a-few-passages",
        model_dir=settings.model_dir,
        background=load_background()[:2],
    )


def load_small(settings, out_dir: Path):
    ids = [p.id for p in load_passages(settings.corpus_dir)[:SMALL]]
    return load_index(
        out_dir, corpus_sha256="a-few-passages", passage_ids=ids, model_dir=settings.model_dir
    )


@pytest.fixture(scope="module")
def built_small(settings, encoder, tmp_path_factory) -> Path:
    out_dir = tmp_path_factory.mktemp("small") / "index"
    small_build(settings, encoder, out_dir)
    return out_dir


@pytest.fixture
def small_index(built_small, tmp_path) -> Path:
    """A fresh copy of the small index, alone in its folder: tmp_path/disk/index."""
    out_dir = tmp_path / "disk" / "index"
    shutil.copytree(built_small, out_dir)
    return out_dir


# ------------------------------------------------------------------ missing model


def test_missing_model_folder_says_how_to_build_it(tmp_path):
    with pytest.raises(ModelMissingError) as caught:
        load_encoder(tmp_path / "nope")
    message = str(caught.value)
    assert str(tmp_path / "nope") in message and "does not exist" in message
    assert "atp model build" in message and "make model" in message


def test_incomplete_model_folder_names_the_missing_file(settings, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(settings.model_dir / "config.json", partial / "config.json")
    with pytest.raises(ModelMissingError, match=r"incomplete \(no model\.safetensors\)"):
        load_encoder(partial)


def test_index_with_a_missing_model_blames_the_model_not_the_index(settings, tmp_path):
    """The index is fine; telling the user to rebuild it would send them the wrong way."""
    with pytest.raises(ModelMissingError) as caught:
        load(settings, settings.index_dir, model_dir=tmp_path / "nope")
    assert str(tmp_path / "nope") in str(caught.value)
    assert "atp model build" in str(caught.value)


def start_unready_server(env: dict) -> Server:
    """A real server whose engine is expected to fail loading, once /readyz reports the load
    error rather than "loading"."""
    server = Server(env).start()
    server.wait(timeout=90, settled=True)
    return server


def test_server_without_model_stays_up_and_says_why_it_is_not_ready(tmp_path):
    missing = tmp_path / "no-model-here"
    server = start_unready_server({"ATP_MODEL_DIR": str(missing)})
    base = server.base
    try:
        assert httpx.get(base + "/healthz").status_code == 200
        ready = httpx.get(base + "/readyz")
        assert ready.status_code == 503
        error = ready.json()["error"]
        assert error["code"] == "load_failed"
        assert "ModelMissingError" in error["message"] and "ATP_MODEL_DIR" in error["message"]
        assert "atp model build" in error["message"]
        assert str(tmp_path) not in error["message"], "no server paths in a response body"
        search = httpx.get(base + "/search", params={"q": "反拐"})
        assert search.status_code == 503 and search.json()["error"] == error
        assert httpx.get(base + "/healthz").status_code == 200, "still up after the failure"
    finally:
        server.stop()


# ------------------------------------------------------------------ missing, corrupt, stale


def test_missing_index_says_how_to_build_it(settings, tmp_path):
    with pytest.raises(IndexMissingError) as caught:
        load(settings, tmp_path / "no-index")
    assert str(tmp_path / "no-index") in str(caught.value)
    assert "atp index build" in str(caught.value)


def test_the_real_index_loads(settings):
    loaded = load(settings, settings.index_dir)
    assert loaded.dense.ntotal == len(loaded.views) > 0


def flip_bytes(path: Path, count: int = 8) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, min(middle + count, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "name", ["dense.faiss", "views.json", "userdict.txt", "bm25-zh/", "background.faiss"]
)
def test_corrupt_index_file_is_named(settings, index_copy, name):
    if name.endswith("/"):  # the first file of a folder
        name = str(sorted((index_copy / name).iterdir())[0].relative_to(index_copy))
    if not (index_copy / name).exists():
        pytest.skip(f"this index has no {name}")
    flip_bytes(index_copy / name)
    with pytest.raises(IndexCorruptError) as caught:
        load(settings, index_copy)
    assert name in str(caught.value) and "atp index build" in str(caught.value)


def test_deleted_index_file_is_named(settings, index_copy):
    (index_copy / "views.json").unlink()
    with pytest.raises(IndexCorruptError, match=r"views\.json"):
        load(settings, index_copy)


def test_truncated_manifest_is_corrupt(settings, index_copy):
    manifest = index_copy / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=r"manifest\.json is not valid JSON"):
        load(settings, index_copy)


def edit_manifest(index_dir: Path, edit) -> None:
    path = index_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest, indent=2))


def test_stale_corpus_hash_given(settings):
    with pytest.raises(IndexStaleError, match="another corpus"):
        load(settings, settings.index_dir, corpus_sha256="0" * 64)


def test_stale_corpus_hash_in_the_manifest(settings, index_copy):
    edit_manifest(index_copy, lambda m: m.update(corpus_sha256="f" * 64))
    with pytest.raises(IndexStaleError, match=r"another corpus.*atp index build"):
        load(settings, index_copy)


def test_stale_passage_ids(settings):
    ids = [p.id for p in load_passages(settings.corpus_dir)]
    with pytest.raises(IndexStaleError, match="passages differ"):
        load(settings, settings.index_dir, passage_ids=ids[:-1])


def test_stale_format(settings, index_copy):
    edit_manifest(index_copy, lambda m: m.update(format=m["format"] - 1))
    with pytest.raises(IndexStaleError, match="format"):
        load(settings, index_copy)


def test_an_index_tokenised_by_another_analysis_is_stale(settings, index_copy):
    """A changed stemmer or spelling table changes the English keyword tokens."""
    edit_manifest(index_copy, lambda m: m.update(analysis="False/True; PyStemmer 0"))
    with pytest.raises(IndexStaleError, match="another text analysis"):
        load(settings, index_copy)


def test_wrong_model_fingerprint_in_the_manifest(settings, index_copy):
    edit_manifest(index_copy, lambda m: m["model"].update(fingerprint="0" * 64))
    with pytest.raises(IndexStaleError, match="another model"):
        load(settings, index_copy)


def test_a_different_model_is_stale(settings, tmp_path):
    """Another conversion of the model (its provenance stamp differs) makes the index stale."""
    other = tmp_path / "other-model"
    other.mkdir()
    stamp = json.loads((settings.model_dir / "atp_model.json").read_text())
    stamp["converted_for_test"] = True
    (other / "atp_model.json").write_text(json.dumps(stamp))
    with pytest.raises(IndexStaleError, match="another model"):
        load(settings, settings.index_dir, model_dir=other)


# ------------------------------------------------------------------ a build killed halfway


def test_build_killed_with_sigkill_leaves_the_previous_index(settings, index_copy, tmp_path):
    before = tree_digest(index_copy)
    output = tmp_path / "build.log"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "index", "build"],
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "ATP_INDEX_DIR": str(index_copy),
                "ATP_MODEL_DIR": str(settings.model_dir),
                "ATP_CORPUS_DIR": str(settings.corpus_dir),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # the progress bar's label is printed after the first embedded batch
        deadline = time.monotonic() + 90
        while "embedding" not in output.read_text(errors="replace"):
            assert process.poll() is None, output.read_text(errors="replace")
            assert time.monotonic() < deadline, "the build never started embedding"
            time.sleep(0.2)
        time.sleep(1.0)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)
    assert process.returncode == -signal.SIGKILL, "killed before it could finish"

    assert tree_digest(index_copy) == before, "the previous index is byte for byte intact"
    loaded = load(settings, index_copy)
    assert loaded.manifest == json.loads((index_copy / "manifest.json").read_text())
    leftovers = sorted(index_copy.parent.glob(f".{index_copy.name}.build-*"))
    for leftover in leftovers:  # allowed, but never a loadable index
        with pytest.raises(IndexMissingError):
            load(settings, leftover)
    hidden = sorted(p for p in index_copy.parent.glob(f".{index_copy.name}.*") if p.is_dir())
    assert hidden == leftovers, "no other hidden folder (e.g. the old index moved aside)"
    assert not list(index_copy.parent.glob(f"{index_copy.name}.*")), "no version switched in"


# ------------------------------------------------------------------ a disk that refuses writes


def set_immutable(folder: Path, on: bool) -> bool:
    """chattr +i / -i: an immutable folder refuses new entries and renames even to root
    (unlike chmod, which root ignores). Needs a filesystem with inode flags (ext4, xfs,
    btrfs; not tmpfs or overlayfs) and CAP_LINUX_IMMUTABLE. False if not possible here."""
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    result = subprocess.run(
        [chattr, "+i" if on else "-i", str(folder)], capture_output=True, check=False
    )
    return result.returncode == 0


@contextlib.contextmanager
def read_only(folder: Path):
    """folder refuses writes for the duration: chmod 0o555 for a normal user; for root,
    whom chmod does not stop, the immutable flag; skip if neither applies."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if not set_immutable(folder, True):
        pytest.skip("root, and no chattr +i on this filesystem: cannot make a folder read-only")
    try:
        yield
    finally:
        set_immutable(folder, False)


def test_build_on_a_read_only_folder_fails_fast_and_keeps_the_index(settings, encoder, small_index):
    out_dir, parent = small_index, small_index.parent
    before = tree_digest(out_dir)
    counting = CountingEncoder(encoder)
    with read_only(parent), pytest.raises(OSError) as caught:
        small_build(settings, counting, out_dir)
    assert isinstance(caught.value, PermissionError), caught.value
    assert str(parent) in str(caught.value), "the message names where it could not write"
    assert counting.calls == 0, "it fails before spending minutes on embedding"
    assert tree_digest(out_dir) == before
    assert sorted(p.name for p in parent.iterdir()) == ["index"], "no temp folder left"
    load_small(settings, out_dir)


def test_build_under_a_read_only_filesystem_fails_for_root_too(settings, encoder):
    """procfs takes no new entries from anyone: a mount-free read-only location."""
    out_dir = Path("/proc/atp-index-test")
    counting = CountingEncoder(encoder)
    with pytest.raises(OSError) as caught:
        small_build(settings, counting, out_dir)
    assert "/proc" in str(caught.value) and counting.calls == 0
    assert not out_dir.exists()


def test_build_where_the_parent_is_a_file(settings, encoder, tmp_path):
    """A path through a regular file cannot be written by root either."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError) as caught:
        small_build(settings, CountingEncoder(encoder), blocker / "index")
    assert isinstance(caught.value, FileExistsError | NotADirectoryError)
    assert str(blocker) in str(caught.value)
    assert blocker.read_text() == "not a folder"


def test_write_error_midway_removes_the_temp_folder_and_keeps_the_index(
    settings, encoder, small_index, monkeypatch
):
    """The disk fills or turns read-only while the files are written (simulated: EROFS on
    views.json, after the FAISS files); the half-written temp folder goes, the index stays."""
    out_dir = small_index
    before = tree_digest(out_dir)
    original = Path.write_text

    def failing_write_text(self, *args, **kwargs):
        if self.parent.name.startswith(".index.build-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(OSError, match="Read-only file system"):
        small_build(settings, encoder, out_dir, count=1)
    monkeypatch.undo()
    assert tree_digest(out_dir) == before
    assert beside(out_dir) == [".index.lock", "index"], "no temp folder left"
    load_small(settings, out_dir)


def beside(index_dir: Path) -> list[str]:
    """What the index's folder holds: the index, its build lock, its versions, leftovers."""
    return sorted(p.name for p in index_dir.parent.iterdir())


@pytest.mark.parametrize("layout", ["plain folder", "symlink to a build"])
def test_failed_switch_puts_the_previous_index_back(
    settings, encoder, small_index, monkeypatch, layout
):
    """The last step renames a symlink to the new build over the index; if that rename
    fails, the previous index must stay in place (a plain folder from before the symlink
    layout moved back, too) and the new build must go."""
    out_dir = small_index
    if layout == "symlink to a build":
        small_build(settings, encoder, out_dir)
        assert out_dir.is_symlink()
    before, listing = tree_digest(out_dir), beside(out_dir)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == out_dir:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Read-only file system"):
        small_build(settings, encoder, out_dir, count=1)
    monkeypatch.undo()
    assert tree_digest(out_dir) == before
    assert beside(out_dir) == sorted({*listing, ".index.lock"})
    assert out_dir.is_symlink() == (layout == "symlink to a build")
    load_small(settings, out_dir)


# ------------------------------------------------------------------ the switch, step by step


def test_builds_switch_a_symlink_and_keep_one_previous_version(settings, encoder, small_index):
    """A plain folder from before becomes a version; each build adds one and the link moves
    to it; only the current and the previous version stay, no temp folder or link."""
    out_dir = small_index
    first = small_build(settings, encoder, out_dir)
    assert out_dir.is_symlink() and not Path(os.readlink(out_dir)).is_absolute()
    assert load_small(settings, out_dir).manifest == first
    versions = [name for name in beside(out_dir) if name.startswith("index.")]
    assert len(versions) == 2, "the new build and the plain folder it replaced"
    for _ in range(2):
        previous = out_dir.resolve().name
        latest = small_build(settings, encoder, out_dir)
        assert load_small(settings, out_dir).manifest == latest
        assert beside(out_dir) == sorted(
            [".index.lock", "index", previous, out_dir.resolve().name]
        ), "one previous version, no leftovers"


CRASH_CHILD = """
import os, shutil, sys
from pathlib import Path
from index.artifacts import publish
crash_at, calls = int(sys.argv[3]), 0
def crashing(real):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == crash_at:
            os._exit(3)  # a crash: no cleanup, no finally, no atexit
        return real(*args, **kwargs)
    return call
for name in ("rename", "replace", "symlink"):
    setattr(os, name, crashing(getattr(os, name)))
shutil.rmtree = crashing(shutil.rmtree)  # clearing an old version: one step
publish(Path(sys.argv[1]), Path(sys.argv[2]))
"""


@pytest.mark.parametrize("layout", ["plain folder", "symlink to a build"])
def test_a_crash_at_any_step_of_the_switch_leaves_an_index(settings, built_small, tmp_path, layout):
    """The process dies (os._exit) just before each rename, symlink or removal the switch
    makes, one run per step until a run gets through: every time, the index loads, as the old
    build or the new one; and the next build clears what the crash left."""
    stamp = {}
    for step in range(1, 40):
        work = tmp_path / str(step)
        out_dir = work / "index"
        shutil.copytree(built_small, out_dir)
        if layout == "symlink to a build":
            publish_copy(built_small, work, out_dir)
        edit_manifest(out_dir, lambda m: m.update(built_at="old"))
        new = work / ".index.build-new"
        shutil.copytree(built_small, new)
        edit_manifest(new, lambda m: m.update(built_at="new"))
        child = subprocess.run(
            [sys.executable, "-c", CRASH_CHILD, str(new), str(out_dir), str(step)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.returncode in (0, 3), child.stderr
        served = load_small(settings, out_dir).manifest["built_at"]
        stamp[step] = served
        recover(out_dir)
        publish_copy(built_small, work, out_dir)  # the next build
        assert out_dir.is_symlink() and load_small(settings, out_dir)
        assert not [n for n in beside(out_dir) if n.startswith(".")], "leftovers cleared"
        if child.returncode == 0:
            break
    else:
        pytest.fail("the switch never got through")
    print("served after a crash before step", stamp)
    assert set(stamp.values()) == {"old", "new"}, stamp
    assert stamp[step] == "new" and step >= 3, "it crashed at several steps"


def publish_copy(built: Path, work: Path, out_dir: Path) -> None:
    tmp = work / f".index.build-{len(list(work.iterdir()))}"
    shutil.copytree(built, tmp)
    publish(tmp, out_dir)


def test_two_builds_cannot_run_at_once(settings, encoder, small_index):
    """A second build fails at once while one holds the lock (another process), and the
    lock goes with that process when it is killed."""
    out_dir = small_index
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from index.artifacts import build_lock\n"
            "with build_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(120)\n",
            str(out_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        counting = CountingEncoder(encoder)
        started = time.monotonic()
        with pytest.raises(IndexBuildRunningError, match="another `atp index build`"):
            small_build(settings, counting, out_dir)
        assert time.monotonic() - started < 5 and counting.calls == 0, "fails at once"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=15)
    small_build(settings, encoder, out_dir)  # no stale lock after a kill
    load_small(settings, out_dir)


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of ``size`` mounted at folder: a real disk that fills up. Needs root and
    CAP_SYS_ADMIN (CI has both); skip otherwise."""
    folder.mkdir(parents=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mount.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_build_on_a_full_disk_fails_before_embedding(settings, encoder, built_small, tmp_path):
    """The disk has room for the old index, not for a new build: the build says so before
    it embeds anything (it used to fail after a minute of embedding), and the index stays."""
    with small_disk(tmp_path / "disk", "4m") as disk:
        out_dir = disk / "index"
        shutil.copytree(built_small, out_dir)
        before = tree_digest(out_dir)
        counting = CountingEncoder(encoder)
        with pytest.raises(OSError) as caught:
            small_build(settings, counting, out_dir)
        assert caught.value.errno == errno.ENOSPC
        assert "free some space" in str(caught.value) and str(disk) in str(caught.value)
        assert counting.calls == 0, "no embedding on a disk without room"
        assert tree_digest(out_dir) == before
        assert beside(out_dir) == [".index.lock", "index"]
        load_small(settings, out_dir)


def test_an_emptied_checksum_list_is_refused(settings, index_copy):
    """A manifest whose `files` list is emptied no longer skips the checks."""
    edit_manifest(index_copy, lambda m: m.update(files={}))
    with pytest.raises(IndexCorruptError, match="not in the checksum list"):
        load(settings, index_copy)


def test_a_file_dropped_from_the_checksum_list_is_refused(settings, index_copy):
    edit_manifest(index_copy, lambda m: m["files"].pop("dense.faiss"))
    with pytest.raises(IndexCorruptError, match=r"dense\.faiss is not in the checksum list"):
        load(settings, index_copy)
