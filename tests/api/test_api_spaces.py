"""hubflow's facade for Spaces: runtime, hardware, secrets, variables, volumes, logs, templates, duplicate_repo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from hubflow import BadRequestError, HfApi, HfHubHTTPError, RepositoryNotFoundError
from hubflow.schema import DuplicatedRepoUrl, SpaceRuntime, SpaceSecret, SpaceVariable, Volume
from hubflow.tasks import DuplicateRepo, RestartSpace
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub


@pytest.fixture
def local(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub")


@pytest.fixture
def api(local: LocalHub) -> Iterator[HfApi]:
    with HfApi(endpoint=local.endpoint, token=ALICE_WRITE, transport=httpx.ASGITransport(app=local.app)) as client:
        yield client


def _space(api: HfApi, repo_factory: Callable[..., str], sdk: str = "gradio") -> str:
    repo_id = repo_factory("space")
    api.create_repo(repo_id, repo_type="space", space_sdk=sdk)
    return repo_id


def test_runtime_lifecycle(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = _space(api, repo_factory)
    rt = api.get_space_runtime(repo_id)
    assert isinstance(rt, SpaceRuntime)
    assert (rt.stage, rt.hardware, rt.requested_hardware, rt.sleep_time, rt.dev_mode) == (
        "NO_APP_FILE", None, "cpu-basic", 172800, False)
    api.upload_file(path_or_fileobj=b"print(1)\n", path_in_repo="app.py", repo_id=repo_id, repo_type="space")
    assert api.get_space_runtime(repo_id).stage == "RUNNING"
    assert api.pause_space(repo_id).stage == "PAUSED"
    assert api.restart_space(repo_id).stage == "BUILDING"
    assert api.wait_for_space(repo_id, timeout=2, poll_interval=0.05).stage == "RUNNING"
    rt = api.request_space_hardware(repo_id, "l4x1", sleep_time=120)
    assert (rt.requested_hardware, rt.sleep_time, rt.raw["stage"]) == ("l4x1", 120, "BUILDING")
    assert api.get_space_runtime(repo_id).hardware == "l4x1"
    assert api.set_space_sleep_time(repo_id, 60).sleep_time == 60
    assert api.enable_space_dev_mode(repo_id).dev_mode is True
    assert api.disable_space_dev_mode(repo_id).dev_mode is False
    assert api.space_info(repo_id).sdk == "gradio"


def test_wait_for_space_arguments(api: HfApi) -> None:
    with pytest.raises(ValueError):
        api.wait_for_space("alice/x", timeout=-1)
    with pytest.raises(ValueError):
        api.wait_for_space("alice/x", poll_interval=0)


def test_restart_node_sends_factory_query() -> None:
    assert RestartSpace(repo_id="alice/s", factory_reboot=True).request_params() == [("factory", "true")]
    assert RestartSpace(repo_id="alice/s").request_params() is None
    assert RestartSpace(repo_id="alice/s").request_body() is None  # body-less POST, as the official client


def test_secrets_and_variables(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = _space(api, repo_factory)
    assert api.add_space_secret(repo_id, "TOKEN", "v", description="d") is None
    secrets = api.get_space_secrets(repo_id)
    assert isinstance(secrets["TOKEN"], SpaceSecret)
    assert (secrets["TOKEN"].key, secrets["TOKEN"].description) == ("TOKEN", "d")
    api.delete_space_secret(repo_id, "TOKEN")
    assert api.get_space_secrets(repo_id) == {}
    variables = api.add_space_variable(repo_id, "MODEL", "alice/m", description="which model")
    assert isinstance(variables["MODEL"], SpaceVariable)
    assert (variables["MODEL"].value, variables["MODEL"].description) == ("alice/m", "which model")
    assert variables["MODEL"].updated_at is not None
    assert api.add_space_variable(repo_id, "MODEL", "alice/m2")["MODEL"].value == "alice/m2"
    assert api.get_space_variables(repo_id)["MODEL"].description == "which model"
    assert api.delete_space_variable(repo_id, "MODEL") == {}


def test_volumes(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = _space(api, repo_factory)
    api.set_space_volumes(repo_id, [Volume(type="dataset", source="alice/d", mount_path="/data", revision="v1")])
    vols = api.get_space_runtime(repo_id).volumes
    assert vols == [Volume(type="dataset", source="alice/d", mount_path="/data", revision="v1", read_only=True)]
    api.delete_space_volumes(repo_id)
    assert api.get_space_runtime(repo_id).volumes is None
    with pytest.raises(BadRequestError):
        api.delete_space_volumes(repo_id)
    with pytest.raises(BadRequestError):
        api.set_space_volumes(repo_id, [Volume(type="bucket", source="alice/b", mount_path="relative")])


def test_catalogue(api: HfApi) -> None:
    hardware = api.list_spaces_hardware()
    assert hardware[0].name == "cpu-basic" and hardware[0].unit_label == "minute"
    assert any(h.accelerator is not None and h.accelerator.model == "A100" for h in hardware)
    templates = api.list_space_templates()
    assert [t.name for t in templates][:2] == ["Gradio", "Streamlit"] and templates[0].repo_id.endswith("template")


def test_logs_stream(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = _space(api, repo_factory)
    lines = list(api.fetch_space_logs(repo_id))
    assert len(lines) == 2 and "not executed" in lines[0] and repo_id in lines[1]
    assert list(api.fetch_space_logs(repo_id, build=True, follow=True)) == lines


def test_permissions(local: LocalHub, api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = _space(api, repo_factory)
    with HfApi(endpoint=local.endpoint, token=BOB_WRITE, transport=httpx.ASGITransport(app=local.app)) as bob:
        with pytest.raises(HfHubHTTPError) as err:
            bob.get_space_secrets(repo_id)
        assert err.value.status_code == 403
        with pytest.raises(HfHubHTTPError) as err:
            bob.request_space_hardware(repo_id, "t4-small")
        assert err.value.status_code == 403
        api.update_repo_settings(repo_id, repo_type="space", private=True)
        with pytest.raises(RepositoryNotFoundError):
            bob.get_space_variables(repo_id)


def test_duplicate_repo(local: LocalHub, api: HfApi, repo_factory: Callable[..., str]) -> None:
    src = _space(api, repo_factory)
    api.add_space_variable(src, "V", "1")
    url = api.duplicate_repo(src, "acme/copy", repo_type="space", visibility="private", space_hardware="t4-small",
                             space_variables=[{"key": "W", "value": "2"}])
    assert isinstance(url, DuplicatedRepoUrl)
    assert (url.repo_id, url.repo_type, url.files_copy_pending) == ("acme/copy", "space", False)
    assert api.space_info("acme/copy").private is True
    assert {k: v.value for k, v in api.get_space_variables("acme/copy").items()} == {"V": "1", "W": "2"}
    # no namespace: the caller's, from whoami; no to_id: the source's name
    assert api.duplicate_repo(src, "mine", repo_type="space").repo_id == "alice/mine"
    with HfApi(endpoint=local.endpoint, token=BOB_WRITE, transport=httpx.ASGITransport(app=local.app)) as bob:
        assert bob.duplicate_repo(f"{local.endpoint}/spaces/{src}", repo_type="space").repo_id == \
            f"bob/{src.split('/')[1]}"
    with pytest.raises(HfHubHTTPError) as err:
        api.duplicate_repo(src, "acme/copy", repo_type="space")
    assert err.value.status_code == 409
    assert api.duplicate_repo(src, "acme/copy", repo_type="space", exist_ok=True).repo_id == "acme/copy"
    model = repo_factory("model")
    api.create_repo(model)
    with pytest.warns(UserWarning, match="space_hardware"):
        copy = api.duplicate_repo(model, "acme/model-copy", space_hardware="t4-small")
    assert copy.repo_type == "model" and api.model_info("acme/model-copy").sha == api.model_info(model).sha


def test_duplicate_node_body() -> None:
    node = DuplicateRepo(from_id="alice/s", repository="bob/s", repo_type="space", hardware="t4-small",
                         volumes=[Volume(type="bucket", source="b/x", mount_path="/m")])
    assert node.body() == {"repository": "bob/s", "hardware": "t4-small",
                           "volumes": [{"type": "bucket", "source": "b/x", "mountPath": "/m"}]}
    assert DuplicateRepo(from_id="alice/m", repository="bob/m", hardware="x").body() == {"repository": "bob/m"}


def test_facade_against_real_process(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    with HfApi(endpoint=hub.endpoint, token=token) as api:
        repo_id = _space(api, repo_factory, sdk="docker")
        api.upload_file(path_or_fileobj=b"FROM python\n", path_in_repo="Dockerfile", repo_id=repo_id,
                        repo_type="space")
        assert api.get_space_runtime(repo_id).stage == "RUNNING"
        lines = list(api.fetch_space_logs(repo_id))  # real uvicorn: Date header, chunked SSE
        assert "stage RUNNING" in lines[1]
