"""Spaces through the official client against a real ``hubflow serve``: runtime state machine, hardware,
secrets, variables, volumes, logs, hardware list, templates, duplicate_repo, permissions."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from huggingface_hub import HfApi, Volume
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, RepositoryNotFoundError

from hubflow.testing import BOB_WRITE, HubProcess


def _space(api: HfApi, repo_factory: Callable[..., str], *, sdk: str = "gradio", **kwargs: object) -> str:
    repo_id = repo_factory("space")
    api.create_repo(repo_id, repo_type="space", space_sdk=sdk, **kwargs)  # type: ignore[arg-type]
    return repo_id


def test_runtime_state_machine(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory)
    rt = api.get_space_runtime(repo_id)
    assert (rt.stage, rt.hardware, rt.requested_hardware, rt.sleep_time) == ("NO_APP_FILE", None, "cpu-basic", 172800)
    info = api.space_info(repo_id)
    assert info.sdk == "gradio" and info.runtime is not None and info.runtime.stage == "NO_APP_FILE"

    api.upload_file(path_or_fileobj=b"import gradio\n", path_in_repo="app.py", repo_id=repo_id, repo_type="space")
    rt = api.get_space_runtime(repo_id)
    assert (rt.stage, rt.hardware) == ("RUNNING", "cpu-basic")
    assert rt.raw["replicas"] == {"requested": 1, "current": 1}

    assert api.pause_space(repo_id).stage == "PAUSED"
    assert api.get_space_runtime(repo_id).stage == "PAUSED"
    restarted = api.restart_space(repo_id, factory_reboot=True)
    assert (restarted.stage, restarted.hardware) == ("BUILDING", None)  # the Hub's answer right after a restart
    assert api.get_space_runtime(repo_id).stage == "RUNNING"  # nothing to build: done by the next read
    assert api.wait_for_space(repo_id, timeout=5, poll_interval=0.1).stage == "RUNNING"


def test_hardware_sleep_time_and_dev_mode(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory)
    rt = api.request_space_hardware(repo_id, "t4-small", sleep_time=3600)
    assert (rt.requested_hardware, rt.sleep_time) == ("t4-small", 3600)
    assert api.set_space_sleep_time(repo_id, 600).sleep_time == 600
    assert api.set_space_sleep_time(repo_id, -1).sleep_time is None  # -1: never sleeps
    with pytest.raises(BadRequestError):
        api.request_space_hardware(repo_id, "quantum-xl")  # type: ignore[arg-type]
    assert api.enable_space_dev_mode(repo_id).dev_mode is True
    assert api.get_space_runtime(repo_id).dev_mode is True
    assert api.disable_space_dev_mode(repo_id).dev_mode is False
    api.request_space_hardware(repo_id, "cpu-basic")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert api.set_space_sleep_time(repo_id, 300).sleep_time == 172800  # free hardware: fixed 48 h
    assert any("cpu-basic" in str(w.message) for w in caught)


def test_create_with_space_options(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(
        api, repo_factory, sdk="docker", space_hardware="a10g-small", space_sleep_time=900,
        space_secrets=[{"key": "TOKEN", "value": "s", "description": "api token"}],
        space_variables=[{"key": "MODEL", "value": "alice/m"}],
        space_volumes=[Volume(type="model", source="alice/m", mount_path="/models")],
    )
    rt = api.get_space_runtime(repo_id)
    assert (rt.requested_hardware, rt.sleep_time) == ("a10g-small", 900)
    assert rt.volumes is not None and [(v.type, v.source, v.mount_path, v.read_only) for v in rt.volumes] == [
        ("model", "alice/m", "/models", True)]
    assert api.get_space_secrets(repo_id)["TOKEN"].description == "api token"
    assert api.get_space_variables(repo_id)["MODEL"].value == "alice/m"
    assert api.space_info(repo_id).sdk == "docker"
    with pytest.raises(BadRequestError):
        api.create_repo(repo_factory("space"), repo_type="space", space_sdk="gradio", space_hardware="nope")


def test_template_seeds_a_running_space(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    templates = api.list_space_templates()
    assert {t.sdk for t in templates} == {"gradio", "docker", "static"}
    repo_id = repo_factory("space")
    api.create_repo(repo_id, repo_type="space", space_template="Gradio")
    assert sorted(api.list_repo_files(repo_id, repo_type="space")) == [".gitattributes", "README.md", "app.py"]
    assert api.get_space_runtime(repo_id).stage == "RUNNING"


def test_secrets_and_variables(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory)
    api.add_space_secret(repo_id, "HF_TOKEN", "hf_x", description="read")
    api.add_space_secret(repo_id, "HF_TOKEN", "hf_y")  # overwrite keeps the description
    secrets = api.get_space_secrets(repo_id)
    assert list(secrets) == ["HF_TOKEN"] and secrets["HF_TOKEN"].description == "read"
    assert secrets["HF_TOKEN"].updated_at is not None and not hasattr(secrets["HF_TOKEN"], "value")
    api.delete_space_secret(repo_id, "HF_TOKEN")
    api.delete_space_secret(repo_id, "UNKNOWN")  # not an error, as on the Hub
    assert api.get_space_secrets(repo_id) == {}

    variables = api.add_space_variable(repo_id, "A", "1", description="first")
    variables = api.add_space_variable(repo_id, "B", "2")
    assert {k: v.value for k, v in variables.items()} == {"A": "1", "B": "2"}
    assert variables["A"].description == "first"
    remaining = api.delete_space_variable(repo_id, "A")
    assert list(remaining) == ["B"] and api.delete_space_variable(repo_id, "nope").keys() == {"B"}
    with pytest.raises(BadRequestError):
        api.add_space_variable(repo_id, "not a key", "x")


def test_volumes(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory)
    api.set_space_volumes(repo_id, [Volume(type="bucket", source="alice/b", mount_path="/data", path="sub")])
    vols = api.get_space_runtime(repo_id).volumes
    assert vols is not None and [(v.type, v.source, v.mount_path, v.path) for v in vols] == [
        ("bucket", "alice/b", "/data", "sub")]
    api.delete_space_volumes(repo_id)
    assert api.get_space_runtime(repo_id).volumes is None
    with pytest.raises(BadRequestError):
        api.delete_space_volumes(repo_id)  # nothing mounted


def test_static_space_refuses_pause_and_restart(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory, sdk="static")
    for call in (api.pause_space, api.restart_space, api.enable_space_dev_mode):
        with pytest.raises(BadRequestError):
            call(repo_id)


def test_logs_are_served_as_sse(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = _space(api, repo_factory)
    lines = list(api.fetch_space_logs(repo_id))
    assert lines[0].startswith("hubflow local Hub: Spaces are not executed")
    assert "NO_APP_FILE" in lines[1] and all(line.endswith("\n") for line in lines)
    assert list(api.fetch_space_logs(repo_id, build=True, follow=True)) == lines  # the server ends the stream


def test_hardware_list(hub: HubProcess, token: str) -> None:
    hardware = HfApi(endpoint=hub.endpoint, token=token).list_spaces_hardware()
    by_name = {h.name: h for h in hardware}
    assert "cpu-basic" in by_name and by_name["cpu-basic"].accelerator is None
    t4 = by_name["t4-small"]
    assert t4.accelerator is not None and t4.accelerator.model == "T4" and t4.pretty_name == "Nvidia T4 - small"


def test_permissions(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    alice = HfApi(endpoint=hub.endpoint, token=token)
    bob = HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    public = _space(alice, repo_factory)
    alice.add_space_secret(public, "K", "v")
    assert bob.get_space_runtime(public).stage == "NO_APP_FILE"  # the runtime is public
    for call in (
        lambda: bob.get_space_secrets(public), lambda: bob.get_space_variables(public),
        lambda: bob.request_space_hardware(public, "t4-small"), lambda: bob.pause_space(public),
        lambda: bob.add_space_secret(public, "X", "y"), lambda: bob.delete_space_secret(public, "K"),
    ):
        with pytest.raises(HfHubHTTPError) as err:
            call()
        assert err.value.response.status_code == 403
    assert list(alice.get_space_secrets(public)) == ["K"]
    private = _space(alice, repo_factory, private=True)
    with pytest.raises(RepositoryNotFoundError):
        bob.get_space_runtime(private)
    with pytest.raises(RepositoryNotFoundError):
        bob.get_space_secrets(private)


def test_duplicate_space(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    alice = HfApi(endpoint=hub.endpoint, token=token)
    bob = HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    src = _space(alice, repo_factory, space_variables=[{"key": "V", "value": "1"}],
                 space_secrets=[{"key": "S", "value": "secret"}])
    alice.upload_file(path_or_fileobj=b"print('hi')\n", path_in_repo="app.py", repo_id=src, repo_type="space")
    alice.create_branch(src, repo_type="space", branch="dev")
    target = f"bob/{src.split('/')[1]}"
    url = bob.duplicate_repo(src, repo_type="space", private=True, space_hardware="t4-small",
                             space_secrets=[{"key": "NEW", "value": "n"}])
    assert (url.repo_id, url.repo_type, url.files_copy_pending) == (target, "space", False)
    info = bob.space_info(target)
    assert info.private is True and info.sdk == "gradio"
    assert sorted(bob.list_repo_files(target, repo_type="space")) == [".gitattributes", "app.py"]
    assert sorted(b.name for b in bob.list_repo_refs(target, repo_type="space").branches) == ["dev", "main"]
    assert [c.commit_id for c in bob.list_repo_commits(target, repo_type="space")] == \
        [c.commit_id for c in alice.list_repo_commits(src, repo_type="space")]
    assert list(bob.get_space_secrets(target)) == ["NEW"]  # secret values are never copied
    assert bob.get_space_variables(target)["V"].value == "1"
    assert bob.get_space_runtime(target).requested_hardware == "t4-small"
    with pytest.raises(HfHubHTTPError) as err:
        bob.duplicate_repo(src, repo_type="space")
    assert err.value.response.status_code == 409
    assert bob.duplicate_repo(src, repo_type="space", exist_ok=True).repo_id == target
    with pytest.raises(HfHubHTTPError) as err:
        bob.duplicate_repo(src, f"alice/{src.split('/')[1]}-x", repo_type="space")  # bob cannot write to alice
    assert err.value.response.status_code == 403


def test_duplicate_model_with_lfs(hub: HubProcess, token: str, repo_factory: Callable[..., str], tmp_path: object) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    src = repo_factory("model")
    api.create_repo(src)
    payload = bytes(range(256)) * 64
    api.upload_file(path_or_fileobj=payload, path_in_repo="weights.bin", repo_id=src)
    copy = api.duplicate_repo(src, f"acme/{src.split('/')[1]}")  # into an org alice belongs to
    assert copy.repo_id.startswith("acme/")
    assert api.model_info(copy.repo_id, files_metadata=True).siblings is not None
    path = api.hf_hub_download(copy.repo_id, "weights.bin", cache_dir=str(tmp_path))
    with open(path, "rb") as f:
        assert f.read() == payload
    assert [f.file_oid for f in api.list_lfs_files(copy.repo_id)] == [f.file_oid for f in api.list_lfs_files(src)]
