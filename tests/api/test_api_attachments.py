"""``upload_attachment``: the local Hub's ``POST /uploads`` (types, sizes, rights) and public ``GET`` of the URL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import anyio
import httpx
import huggingface_hub
import pytest

from hubflow import AsyncHfApi, BadRequestError, HfApi, HfHubHTTPError, upload_attachment
from hubflow.tasks import UploadAttachment
from hubflow.testing import ALICE_READ, ALICE_WRITE, HubProcess, LocalHub

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF\x00" + bytes(200)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(100)
MiB = 1024 * 1024


@pytest.fixture
def local(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub")


def _api(hub: LocalHub, token: str | bool) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


async def _asend(hub: LocalHub, method: str, url: str, content: bytes | None = None, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app)) as client:
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        return await client.request(method, url, content=content, headers=sent)


def _send(hub: LocalHub, method: str, url: str, content: bytes | None = None, **headers: str) -> httpx.Response:
    """One raw request to the in-process Hub (ASGITransport is async-only)."""
    return anyio.run(lambda: _asend(hub, method, url, content, **headers))


def _get(hub: LocalHub, url: str, **headers: str) -> httpx.Response:
    return _send(hub, "GET", url, **headers)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_upload_then_public_get(local: LocalHub, tmp_path: Path) -> None:
    alice = _api(local, ALICE_WRITE)
    url = alice.upload_attachment(_file(tmp_path, "shot.png", PNG))
    digest = hashlib.sha256(PNG).hexdigest()
    assert url == f"{local.endpoint}/uploads/{digest}.png"
    for headers in ({}, {"authorization": "Bearer hf_not_a_token"}):  # public: a token is neither needed nor checked
        got = _get(local, url, **headers)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png" and got.headers["x-content-type-options"] == "nosniff"
    # Content-addressed: the same bytes again (under another name) give the same URL and one stored file.
    assert alice.upload_attachment(str(_file(tmp_path, "again.PNG", PNG))) == url
    assert [p.name for p in (local.data_dir / "attachments").rglob("*.png")] == [f"{digest}.png"]
    # .jpeg is image/jpeg, stored and served as .jpg
    jpg = alice.upload_attachment(_file(tmp_path, "photo.jpeg", JPEG))
    assert jpg.endswith(".jpg") and _get(local, jpg).headers["content-type"] == "image/jpeg"
    head = _send(local, "HEAD", url)
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(PNG))
    assert _get(local, f"{local.endpoint}/uploads/{'0' * 64}.png").status_code == 404
    assert _get(local, f"{local.endpoint}/uploads/..%2Fhub.db").status_code == 404


def test_unsupported_extension_is_a_value_error_before_sending(local: LocalHub, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"supported formats are \.png, \.jpg"):
        _api(local, ALICE_WRITE).upload_attachment(tmp_path / "notes.txt")  # not even read: it does not exist
    with pytest.raises(ValueError):
        UploadAttachment(path="page.html")
    assert not (local.data_dir / "attachments").exists()


def test_server_rejects_wrong_types_sizes_and_callers(local: LocalHub, tmp_path: Path) -> None:
    alice = _api(local, ALICE_WRITE)
    with pytest.raises(HfHubHTTPError) as err:  # a .png holding something else
        alice.upload_attachment(_file(tmp_path, "fake.png", b"<html><script>alert(1)</script></html>"))
    assert err.value.status_code == 415 and "not a image/png" in str(err.value)
    with pytest.raises(BadRequestError):
        alice.upload_attachment(_file(tmp_path, "empty.gif", b""))
    with pytest.raises(HfHubHTTPError) as err:
        alice.upload_attachment(_file(tmp_path, "big.png", PNG + bytes(10 * MiB)))
    assert err.value.status_code == 413 and "10 MiB" in str(err.value)
    # Videos may be larger (50 MiB)
    assert alice.upload_attachment(_file(tmp_path, "clip.mp4", MP4 + bytes(11 * MiB))).endswith(".mp4")

    small = _file(tmp_path, "ok.png", PNG)
    with pytest.raises(HfHubHTTPError) as err:
        _api(local, False).upload_attachment(small)
    assert err.value.status_code == 401
    with pytest.raises(HfHubHTTPError) as err:
        _api(local, ALICE_READ).upload_attachment(small)
    assert err.value.status_code == 403

    # Content types outside huggingface_hub's list, sent raw.
    uploads, auth = f"{local.endpoint}/uploads", f"Bearer {ALICE_WRITE}"
    for content_type in ("text/html", "image/svg+xml", ""):
        response = _send(local, "POST", uploads, b"<svg/>", authorization=auth, content_type=content_type)
        assert response.status_code == 415 and "supported types are image/png" in response.json()["error"]
    declared = _send(local, "POST", uploads, PNG, authorization=auth, content_type="image/png; charset=x")
    assert declared.status_code == 200 and declared.headers["content-type"].startswith("text/plain")
    assert declared.text == f"{uploads}/{hashlib.sha256(PNG).hexdigest()}.png"


@pytest.mark.anyio
async def test_async_facade(local: LocalHub, tmp_path: Path) -> None:
    async with AsyncHfApi(endpoint=local.endpoint, token=ALICE_WRITE,
                          transport=httpx.ASGITransport(app=local.app)) as api:
        url = await api.upload_attachment(_file(tmp_path, "a.webm", b"\x1a\x45\xdf\xa3" + bytes(50)))
    got = await _asend(local, "GET", url)
    assert url.endswith(".webm") and got.headers["content-type"] == "video/webm"


def test_official_client_and_module_alias(hub: HubProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    audio = b"ID3\x04\x00\x00" + bytes(300)
    path = _file(tmp_path, "voice.mp3", audio)
    url = huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).upload_attachment(path)
    assert url.startswith(f"{hub.endpoint}/uploads/") and url.endswith(".mp3")
    got = httpx.get(url)
    assert got.content == audio and got.headers["content-type"] == "audio/mpeg"
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as err:
        huggingface_hub.HfApi(endpoint=hub.endpoint, token=False).upload_attachment(path)
    assert err.value.response.status_code == 401

    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_TOKEN", ALICE_WRITE)
    import hubflow._module_functions as module_functions

    monkeypatch.setattr(module_functions, "_default", None)
    try:
        assert upload_attachment(path) == url
    finally:
        module_functions.default_api().close()
