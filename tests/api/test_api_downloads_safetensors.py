"""Facade: safetensors metadata (single, sharded, big header, bad files) and verify_repo_checksums."""

from __future__ import annotations

import json
import os
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub as hh
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "pipelines"))
from download_helpers import FaultTransport, make_api, seed_repo

from hubflow import NotASafetensorsRepoError, SafetensorsParsingError
from hubflow.testing import HubProcess

SIZES = {"F32": 4, "F16": 2, "I64": 8}


def safetensors_file(tensors: dict[str, tuple[str, list[int]]], metadata: dict[str, str] | None = None) -> bytes:
    """A valid safetensors file: 8-byte LE header length, JSON header, zero-filled tensor data."""
    header: dict[str, Any] = {"__metadata__": metadata} if metadata is not None else {}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = SIZES[dtype]
        for dim in shape:
            n *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * offset


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[tuple[Any, FaultTransport]]:
    transport = FaultTransport()
    client = make_api(hub.endpoint, token, transport)
    yield client, transport
    client.close()


def _new_repo(hub: HubProcess, files: dict[str, bytes], tmp: Path) -> str:
    repo_id = f"alice/st-{os.urandom(4).hex()}"
    seed_repo(hub.endpoint, "hf_alice_write", repo_id, files, tmp)
    return repo_id


def test_single_file(api: tuple[Any, FaultTransport], hub: HubProcess, tmp_path: Path) -> None:
    client, transport = api
    data = safetensors_file({"embed": ("F32", [16, 8]), "bias": ("F16", [8])}, {"format": "pt"})
    repo_id = _new_repo(hub, {"model.safetensors": data}, tmp_path)
    meta = client.get_safetensors_metadata(repo_id)
    assert meta.sharded is False and meta.metadata is None
    assert meta.weight_map == {"embed": "model.safetensors", "bias": "model.safetensors"}
    single = meta.files_metadata["model.safetensors"]
    assert single.metadata == {"format": "pt"}
    assert single.tensors["embed"].shape == [16, 8] and single.tensors["bias"].dtype == "F16"
    assert meta.parameter_count == {"F32": 128, "F16": 8}
    # Only the header was read: ranged GETs, never the whole body.
    gets = [r for r in transport.requests if r.method == "GET" and "/resolve/" in r.url.path]
    assert gets and all(r.headers["range"].startswith("bytes=") for r in gets)
    official = hh.HfApi(endpoint=hub.endpoint, token="hf_alice_write").get_safetensors_metadata(repo_id)
    assert official.parameter_count == meta.parameter_count


def test_sharded_and_big_header(api: tuple[Any, FaultTransport], hub: HubProcess, tmp_path: Path) -> None:
    client, transport = api
    big_meta = {"notes": "x" * 150_000}  # header > 100 kB: needs the second ranged read
    shard1 = safetensors_file({"a": ("F32", [4, 4])}, big_meta)
    shard2 = safetensors_file({"b": ("I64", [3]), "c": ("F16", [2, 2])})
    index = {
        "metadata": {"total_size": 100},
        "weight_map": {"a": "model-1.safetensors", "b": "model-2.safetensors", "c": "model-2.safetensors"},
    }
    repo_id = _new_repo(hub, {"model-1.safetensors": shard1, "model-2.safetensors": shard2,
                              "model.safetensors.index.json": json.dumps(index).encode()}, tmp_path)
    meta = client.get_safetensors_metadata(repo_id)
    assert meta.sharded is True and meta.metadata == {"total_size": 100}
    assert meta.weight_map == index["weight_map"]
    assert set(meta.files_metadata) == {"model-1.safetensors", "model-2.safetensors"}
    assert meta.files_metadata["model-1.safetensors"].metadata == big_meta
    assert meta.parameter_count == {"F32": 16, "I64": 3, "F16": 4}
    ranges = [r.headers.get("range") for r in transport.requests if "model-1.safetensors" in r.url.path]
    assert "bytes=0-100000" in ranges and any(r and r.startswith("bytes=8-") for r in ranges)


def test_not_safetensors_and_parsing_errors(api: tuple[Any, FaultTransport], hub: HubProcess, tmp_path: Path) -> None:
    client, _ = api
    repo_id = _new_repo(hub, {"weights.bin": b"1234", "tiny.safetensors": b"abc",
                              "bad.safetensors": struct.pack("<Q", 5) + b"{nope"}, tmp_path)
    with pytest.raises(NotASafetensorsRepoError):
        client.get_safetensors_metadata(repo_id)
    with pytest.raises(SafetensorsParsingError, match="too small"):
        client.parse_safetensors_file_metadata(repo_id, "tiny.safetensors")
    with pytest.raises(SafetensorsParsingError, match="json"):
        client.parse_safetensors_file_metadata(repo_id, "bad.safetensors")


def test_verify_repo_checksums(api: tuple[Any, FaultTransport], hub: HubProcess, tmp_path: Path) -> None:
    client, _ = api
    repo_id = _new_repo(hub, {"a.txt": b"hello", "w.bin": os.urandom(50_000), "d/c.txt": b"c"}, tmp_path)
    out = tmp_path / "out"
    client.snapshot_download(repo_id, local_dir=out, cache_dir=tmp_path / "cache")
    clean = client.verify_repo_checksums(repo_id, local_dir=out)
    assert clean.checked_count == 4 and clean.mismatches == [] and clean.missing_paths == [] == clean.extra_paths
    with pytest.raises(ValueError, match="Snapshot directory does not exist"):  # local_dir mode: only refs/ cached
        client.verify_repo_checksums(repo_id, cache_dir=tmp_path / "cache")

    (out / "w.bin").write_bytes(b"tampered")
    (out / "d/c.txt").write_bytes(b"C")
    (out / "extra.txt").write_bytes(b"!")
    (out / "a.txt").unlink()
    result = client.verify_repo_checksums(repo_id, local_dir=out)
    by_path = {m["path"]: m for m in result.mismatches}
    assert set(by_path) == {"w.bin", "d/c.txt"}
    assert by_path["w.bin"]["algorithm"] == "sha256" and by_path["d/c.txt"]["algorithm"] == "git-sha1"
    assert result.missing_paths == ["a.txt"] and result.extra_paths == ["extra.txt"]
    official = hh.HfApi(endpoint=hub.endpoint, token="hf_alice_write").verify_repo_checksums(repo_id, local_dir=out)
    assert official.mismatches == result.mismatches and official.missing_paths == result.missing_paths


def test_verify_cached_snapshot(api: tuple[Any, FaultTransport], hub: HubProcess, tmp_path: Path) -> None:
    client, _ = api
    repo_id = _new_repo(hub, {"a.txt": b"hello"}, tmp_path)
    folder = client.snapshot_download(repo_id, cache_dir=tmp_path / "cache")
    result = client.verify_repo_checksums(repo_id, cache_dir=tmp_path / "cache")
    assert result.verified_path == Path(folder) and result.checked_count == 2 and not result.mismatches
    assert len(result.revision) == 40
