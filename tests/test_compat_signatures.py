"""hubflow is a drop-in for huggingface_hub 2.4.0: same method signatures, same importable names.

Every public ``huggingface_hub.HfApi`` method hubflow implements must accept the same parameter
names, with the same kinds (positional vs keyword-only), order and defaults; hubflow may add
keyword-only parameters with defaults (``run_as_future`` on every blocking method). A method
hubflow lacks must be listed in ``NOT_IMPLEMENTED`` with its reason, and a listed method that
hubflow gained must leave the list: the lists stay honest.
"""

from __future__ import annotations

import inspect
from typing import Any

import huggingface_hub
import huggingface_hub.errors
import pytest

import hubflow
import hubflow.errors

_BUCKETS = "storage buckets: the Hub's bucket API is not in the project's protocol docs, and it needs Xet"
NOT_IMPLEMENTED: dict[str, str] = {
    "batch_bucket_files": _BUCKETS,
    "bucket_info": _BUCKETS,
    "create_bucket": _BUCKETS,
    "delete_bucket": _BUCKETS,
    "download_bucket_files": _BUCKETS,
    "get_bucket_file_metadata": _BUCKETS,
    "get_bucket_paths_info": _BUCKETS,
    "list_bucket_tree": _BUCKETS,
    "list_buckets": _BUCKETS,
    "move_bucket": _BUCKETS,
    "sync_bucket": _BUCKETS,
    "update_bucket_settings": _BUCKETS,
    "sync_job_volume": "uploads a local folder into a storage bucket mounted by a Job: buckets (above)",
    "create_inference_endpoint_from_catalog": "the Inference catalog is a separate service (api.md §6); not modelled",
    "list_inference_catalog": "the Inference catalog is a separate service (api.md §6); not modelled",
    "kernel_info": "kernel repos: the local Hub has no kernel repo type (only models, datasets, spaces)",
    "list_dataset_parquet_files": "needs the dataset viewer's parquet conversion, which the local Hub cannot compute honestly",
    "get_dataset_leaderboard": "needs evaluation results aggregated by the Hub, which the local Hub does not have",
    "update_collection_resource_group": "resource groups are an Enterprise feature the local Hub does not model",
}

# Deliberate signature differences: (method, parameter) -> reason.
ALLOWED_DIFFERENCES: dict[tuple[str, str], str] = {
    ("create_commit", "_hot_reload"): "private Spaces dev-mode hot-reload flag; hubflow does not hot-reload Spaces",
    ("upload_file", "_hot_reload"): "private Spaces dev-mode hot-reload flag; hubflow does not hot-reload Spaces",
}

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)


def _official_methods() -> list[str]:
    names = []
    for name in dir(huggingface_hub.HfApi):
        if name.startswith("_") or isinstance(inspect.getattr_static(huggingface_hub.HfApi, name), property):
            continue
        if callable(getattr(huggingface_hub.HfApi, name)):
            names.append(name)
    return sorted(names)


def _params(function: Any) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(function).parameters.values() if p.name != "self"]


def signature_problems(name: str) -> list[str]:
    """Every way hubflow's ``HfApi.<name>`` would break a call written for huggingface_hub's."""
    theirs = _params(getattr(huggingface_hub.HfApi, name))
    ours = {p.name: p for p in _params(getattr(hubflow.HfApi, name))}
    problems = []
    for param in theirs:
        if (name, param.name) in ALLOWED_DIFFERENCES:
            continue
        mine = ours.get(param.name)
        if param.kind in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD):
            if not any(p.kind is param.kind for p in ours.values()):
                problems.append(f"no {param}")
            continue
        if mine is None:
            problems.append(f"missing parameter {param.name!r}")
            continue
        if mine.kind is not param.kind:
            problems.append(f"{param.name!r} is {mine.kind.description}, official is {param.kind.description}")
        if mine.default is not param.default and mine.default != param.default:
            problems.append(f"{param.name!r} defaults to {mine.default!r}, official {param.default!r}")
    official_names = {p.name for p in theirs}
    for mine in ours.values():
        if mine.name in official_names:
            continue
        if mine.kind is not _P.KEYWORD_ONLY and mine.kind is not _P.VAR_KEYWORD:
            problems.append(f"extra positional parameter {mine.name!r}")
        elif mine.kind is _P.KEYWORD_ONLY and mine.default is _P.empty:
            problems.append(f"extra required parameter {mine.name!r}")
    official_order = [p.name for p in theirs if p.kind in _POSITIONAL]
    our_order = [p.name for p in ours.values() if p.kind in _POSITIONAL]
    if our_order[: len(official_order)] != official_order:
        problems.append(f"positional order {our_order} != {official_order}")
    return problems


@pytest.mark.parametrize("name", _official_methods())
def test_method_signature_matches(name: str) -> None:
    if name in NOT_IMPLEMENTED:
        assert not hasattr(hubflow.HfApi, name), f"{name} is implemented now: remove it from NOT_IMPLEMENTED"
        return
    assert hasattr(hubflow.HfApi, name), f"hubflow.HfApi.{name} is missing (implement it or list it with a reason)"
    assert signature_problems(name) == []


def test_lists_name_only_official_methods() -> None:
    official = set(_official_methods())
    assert set(NOT_IMPLEMENTED) <= official
    assert {method for method, _ in ALLOWED_DIFFERENCES} <= official
    for (method, param), _reason in ALLOWED_DIFFERENCES.items():
        assert param in inspect.signature(getattr(huggingface_hub.HfApi, method)).parameters


def test_signature_check_catches_mismatches() -> None:
    # The checker itself must fail on a wrong default, a wrong kind and a missing name.
    class Fake(hubflow.HfApi):
        def model_info(self, repo_id: str, revision: str | None = None) -> None:  # type: ignore[override]
            """Positional revision, no timeout/files_metadata/expand/token."""

    original = hubflow.HfApi
    hubflow.HfApi = Fake  # type: ignore[misc]
    try:
        problems = signature_problems("model_info")
    finally:
        hubflow.HfApi = original  # type: ignore[misc]
    assert any("revision" in p and "positional" in p for p in problems)
    assert any("missing parameter 'token'" in p for p in problems)


# -- module-level names ----------------------------------------------------------------------------------
# Names of huggingface_hub.__all__ in the HfApi / download / cache / result-type surface that hubflow
# does not offer, with the reason. Areas out of scope entirely (inference clients, cards, mixins,
# serialization, HfFileSystem, OAuth, webhooks server, login helpers, sandboxes) are not checked.
_IN_SCOPE_MODULES = (
    "huggingface_hub.hf_api", "huggingface_hub._commit_api", "huggingface_hub._commit_scheduler",
    "huggingface_hub._space_api", "huggingface_hub._jobs_api", "huggingface_hub._inference_endpoints",
    "huggingface_hub.community", "huggingface_hub.file_download", "huggingface_hub._snapshot_download",
    "huggingface_hub._revision", "huggingface_hub.utils._hf_uris",
)
MODULE_NOT_IMPLEMENTED: dict[str, str] = {
    **{name: NOT_IMPLEMENTED[name] for name in NOT_IMPLEMENTED},
    "DatasetLeaderboardEntry": NOT_IMPLEMENTED["get_dataset_leaderboard"],
    "InferenceCatalogModel": NOT_IMPLEMENTED["list_inference_catalog"],
    "InferenceCatalogRecipe": NOT_IMPLEMENTED["list_inference_catalog"],
    "JobHardware": "an enum of flavor names; hubflow takes flavors as plain strings (JobHardwareInfo is exported)",
    "get_cached_repo_tree": "huggingface_hub's private tree cache format; hubflow keeps its own (hubflow._cache)",
    "get_local_safetensors_metadata": "parses local safetensors files; hubflow reads headers from the Hub only",
    "parse_local_safetensors_file_metadata": "parses local safetensors files; hubflow reads headers from the Hub only",
}


def _official_module_names() -> list[str]:
    names = []
    for name in huggingface_hub.__all__:
        obj = getattr(huggingface_hub, name)
        if inspect.ismethod(obj) and isinstance(obj.__self__, huggingface_hub.HfApi):
            names.append(name)  # module-level alias of a default HfApi's method
        elif getattr(obj, "__module__", None) in _IN_SCOPE_MODULES and callable(obj):
            names.append(name)
    return sorted(names)


@pytest.mark.parametrize("name", _official_module_names())
def test_module_name_importable(name: str) -> None:
    if name in MODULE_NOT_IMPLEMENTED:
        assert not hasattr(hubflow, name), f"hubflow.{name} exists now: remove it from MODULE_NOT_IMPLEMENTED"
        return
    assert name in hubflow.__all__, f"`from hubflow import {name}` fails (add it or list it with a reason)"


def test_module_aliases_match_methods() -> None:
    # `from hubflow import create_repo` takes the same parameters as HfApi.create_repo, minus self.
    for name in _official_module_names():
        official = getattr(huggingface_hub, name)
        if not inspect.ismethod(official) or name in MODULE_NOT_IMPLEMENTED:
            continue
        ours = inspect.signature(getattr(hubflow, name))
        theirs = inspect.signature(official)
        for param in theirs.parameters.values():
            if param.kind is _P.VAR_KEYWORD or (name, param.name) in ALLOWED_DIFFERENCES:
                continue
            assert param.name in ours.parameters, (name, param.name)


def test_common_download_functions_importable() -> None:
    for name in ("hf_hub_download", "snapshot_download", "try_to_load_from_cache", "hf_hub_url",
                 "get_hf_file_metadata", "CommitOperationAdd", "CommitOperationDelete", "CommitOperationCopy"):
        assert name in hubflow.__all__, name


_INFERENCE = "inference client errors: hubflow has no InferenceClient"
_CLI = "huggingface_hub's CLI (hubflow has its own)"
ERRORS_NOT_IMPLEMENTED: dict[str, str] = {
    "BucketBatchError": _BUCKETS, "BucketNotFoundError": _BUCKETS, "SyncError": _BUCKETS,
    "CLIError": _CLI, "CLIExtensionInstallError": _CLI, "ConfirmationError": _CLI, "DryRunError": _CLI,
    "DeviceCodeError": "device-code login: hubflow reads tokens, it does not log in",
    "OIDCError": "OIDC token exchange: hubflow reads tokens, it does not log in",
    "CachedRepoTreeNotFoundError": "huggingface_hub's private tree cache (see get_cached_repo_tree)",
    "DDUFCorruptedFileError": "DDUF serialization is out of scope", "DDUFError": "DDUF serialization is out of scope",
    "DDUFExportError": "DDUF serialization is out of scope",
    "DDUFInvalidEntryNameError": "DDUF serialization is out of scope",
    "FileDuplicationError": "local_dir duplication check of an old download path; hubflow links or copies safely",
    "GenerationError": _INFERENCE, "IncompleteGenerationError": _INFERENCE, "InferenceTimeoutError": _INFERENCE,
    "OverloadedError": _INFERENCE, "TextGenerationError": _INFERENCE, "UnknownError": _INFERENCE,
    "ValidationError": _INFERENCE,
    "HTTPError": "huggingface_hub's httpx alias; hubflow raises HfHubHTTPError / HubConnectionError",
    "HfUriError": "hubflow.parse_hf_uri raises ValueError (HfUriError is a ValueError too)",
    "SandboxCommandError": "sandboxes are out of scope", "SandboxError": "sandboxes are out of scope",
    "StrictDataclassClassValidationError": "huggingface_hub's strict dataclasses; hubflow validates with msgspec",
    "StrictDataclassDefinitionError": "huggingface_hub's strict dataclasses; hubflow validates with msgspec",
    "StrictDataclassError": "huggingface_hub's strict dataclasses; hubflow validates with msgspec",
    "StrictDataclassFieldValidationError": "huggingface_hub's strict dataclasses; hubflow validates with msgspec",
    "XetDownloadError": "Xet transfers are not implemented (HF_HUB_DISABLE_XET=1 paths only)",
}


def _official_errors() -> list[str]:
    return sorted(
        name for name, obj in vars(huggingface_hub.errors).items()
        if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == "huggingface_hub.errors"
    )


@pytest.mark.parametrize("name", _official_errors())
def test_error_class_importable(name: str) -> None:
    if name in ERRORS_NOT_IMPLEMENTED:
        assert not hasattr(hubflow, name), f"hubflow.{name} exists now: remove it from ERRORS_NOT_IMPLEMENTED"
        return
    assert name in hubflow.__all__, f"`from hubflow import {name}` fails (add it or list it with a reason)"
    error = getattr(hubflow, name)
    assert issubclass(error, BaseException)
    if name in hubflow.errors.__all__:
        assert getattr(hubflow.errors, name) is error
    # the same builtin bases, so `except ValueError` / `except OSError` clauses keep catching it
    official = getattr(huggingface_hub.errors, name)
    for builtin in (ValueError, OSError, FileNotFoundError, ConnectionError, TimeoutError):
        if issubclass(official, builtin):
            assert issubclass(error, builtin), (name, builtin)
