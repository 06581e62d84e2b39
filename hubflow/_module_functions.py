"""Module-level aliases, as ``huggingface_hub``'s: ``from hubflow import create_repo, upload_file, ...``.

Each is the method of one default ``HfApi``, created on first use (so it reads ``HF_ENDPOINT``,
``HF_TOKEN``... at that moment, not at import) and shared by every alias.
``hf_hub_download``, ``snapshot_download``, ``get_hf_file_metadata``, ``hf_hub_url`` and
``try_to_load_from_cache`` are separate module functions (``hubflow._file_download``).

```python
from hubflow import create_repo, upload_file, list_repo_files
create_repo("alice/m", exist_ok=True)
upload_file(path_or_fileobj=b"hi", path_in_repo="a.txt", repo_id="alice/m")
list_repo_files("alice/m")              # [".gitattributes", "a.txt"]
```
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from hubflow._api import HfApi

__all__ = [
    "accept_access_request",
    "add_collection_item",
    "add_space_secret",
    "add_space_variable",
    "auth_check",
    "cancel_access_request",
    "cancel_job",
    "change_discussion_status",
    "comment_discussion",
    "copy_files",
    "create_branch",
    "create_collection",
    "create_commit",
    "create_discussion",
    "create_inference_endpoint",
    "create_pull_request",
    "create_repo",
    "create_scheduled_job",
    "create_scheduled_uv_job",
    "create_tag",
    "create_webhook",
    "dataset_info",
    "default_api",
    "delete_branch",
    "delete_collection",
    "delete_collection_item",
    "delete_file",
    "delete_folder",
    "delete_inference_endpoint",
    "delete_repo",
    "delete_scheduled_job",
    "delete_space_secret",
    "delete_space_variable",
    "delete_space_volumes",
    "delete_tag",
    "delete_webhook",
    "disable_space_dev_mode",
    "disable_webhook",
    "duplicate_repo",
    "edit_discussion_comment",
    "enable_space_dev_mode",
    "enable_webhook",
    "fetch_job_logs",
    "fetch_job_metrics",
    "fetch_space_logs",
    "file_exists",
    "get_collection",
    "get_dataset_tags",
    "get_discussion_details",
    "get_full_repo_name",
    "get_inference_endpoint",
    "get_model_tags",
    "get_organization_overview",
    "get_paths_info",
    "get_repo_discussions",
    "get_safetensors_metadata",
    "get_sharded_safetensors_metadata",
    "get_space_runtime",
    "get_space_secrets",
    "get_space_variables",
    "get_user_overview",
    "get_webhook",
    "get_zero_gpu_quota",
    "grant_access",
    "inspect_job",
    "inspect_scheduled_job",
    "list_accepted_access_requests",
    "list_collections",
    "list_daily_papers",
    "list_datasets",
    "list_inference_endpoints",
    "list_inference_endpoints_hardware",
    "list_jobs",
    "list_jobs_hardware",
    "list_lfs_files",
    "list_liked_repos",
    "list_models",
    "list_organization_followers",
    "list_organization_members",
    "list_papers",
    "list_pending_access_requests",
    "list_rejected_access_requests",
    "list_repo_commits",
    "list_repo_files",
    "list_repo_likers",
    "list_repo_refs",
    "list_repo_tree",
    "list_scheduled_jobs",
    "list_space_templates",
    "list_spaces",
    "list_spaces_hardware",
    "list_user_followers",
    "list_user_following",
    "list_user_repos",
    "list_webhooks",
    "merge_pull_request",
    "model_info",
    "move_repo",
    "paper_info",
    "parse_safetensors_file_metadata",
    "pause_inference_endpoint",
    "pause_space",
    "permanently_delete_lfs_files",
    "preupload_lfs_files",
    "read_paper",
    "reject_access_request",
    "rename_discussion",
    "repo_exists",
    "repo_info",
    "request_space_hardware",
    "rerun_job",
    "resolve_revision",
    "restart_space",
    "resume_inference_endpoint",
    "resume_scheduled_job",
    "revision_exists",
    "run_as_future",
    "run_job",
    "run_uv_job",
    "scale_to_zero_inference_endpoint",
    "search_spaces",
    "set_space_sleep_time",
    "set_space_volumes",
    "space_info",
    "super_squash_history",
    "suspend_scheduled_job",
    "trigger_scheduled_job",
    "unlike",
    "update_collection_item",
    "update_collection_metadata",
    "update_inference_endpoint",
    "update_job_expose",
    "update_job_labels",
    "update_repo_settings",
    "update_scheduled_job_labels",
    "update_scheduled_job_schedule",
    "update_webhook",
    "upload_attachment",
    "upload_file",
    "upload_folder",
    "verify_repo_checksums",
    "wait_for_job",
    "wait_for_space",
    "whoami",
]

P = ParamSpec("P")
R = TypeVar("R")

_default: HfApi | None = None
_default_lock = threading.Lock()


def default_api() -> HfApi:
    """The shared ``HfApi`` behind the module-level aliases (created, from the environment, on first use).

    ```python
    default_api().endpoint        # HF_ENDPOINT when the first alias was called
    ```
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = HfApi()
        return _default


def _forward(method: Callable[Concatenate[Any, P], R]) -> Callable[P, R]:
    """``HfApi.<name>`` as a module function calling the default instance (docstring and signature kept)."""
    name = method.__name__

    @functools.wraps(method)
    def alias(*args: P.args, **kwargs: P.kwargs) -> R:
        result: R = getattr(default_api(), name)(*args, **kwargs)
        return result

    try:
        signature = inspect.signature(method)
        alias.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        pass
    return alias


accept_access_request = _forward(HfApi.accept_access_request)
add_collection_item = _forward(HfApi.add_collection_item)
add_space_secret = _forward(HfApi.add_space_secret)
add_space_variable = _forward(HfApi.add_space_variable)
auth_check = _forward(HfApi.auth_check)
cancel_access_request = _forward(HfApi.cancel_access_request)
cancel_job = _forward(HfApi.cancel_job)
change_discussion_status = _forward(HfApi.change_discussion_status)
comment_discussion = _forward(HfApi.comment_discussion)
copy_files = _forward(HfApi.copy_files)
create_branch = _forward(HfApi.create_branch)
create_collection = _forward(HfApi.create_collection)
create_commit = _forward(HfApi.create_commit)
create_discussion = _forward(HfApi.create_discussion)
create_inference_endpoint = _forward(HfApi.create_inference_endpoint)
create_pull_request = _forward(HfApi.create_pull_request)
create_repo = _forward(HfApi.create_repo)
create_scheduled_job = _forward(HfApi.create_scheduled_job)
create_scheduled_uv_job = _forward(HfApi.create_scheduled_uv_job)
create_tag = _forward(HfApi.create_tag)
create_webhook = _forward(HfApi.create_webhook)
dataset_info = _forward(HfApi.dataset_info)
delete_branch = _forward(HfApi.delete_branch)
delete_collection = _forward(HfApi.delete_collection)
delete_collection_item = _forward(HfApi.delete_collection_item)
delete_file = _forward(HfApi.delete_file)
delete_folder = _forward(HfApi.delete_folder)
delete_inference_endpoint = _forward(HfApi.delete_inference_endpoint)
delete_repo = _forward(HfApi.delete_repo)
delete_scheduled_job = _forward(HfApi.delete_scheduled_job)
delete_space_secret = _forward(HfApi.delete_space_secret)
delete_space_variable = _forward(HfApi.delete_space_variable)
delete_space_volumes = _forward(HfApi.delete_space_volumes)
delete_tag = _forward(HfApi.delete_tag)
delete_webhook = _forward(HfApi.delete_webhook)
disable_space_dev_mode = _forward(HfApi.disable_space_dev_mode)
disable_webhook = _forward(HfApi.disable_webhook)
duplicate_repo = _forward(HfApi.duplicate_repo)
edit_discussion_comment = _forward(HfApi.edit_discussion_comment)
enable_space_dev_mode = _forward(HfApi.enable_space_dev_mode)
enable_webhook = _forward(HfApi.enable_webhook)
fetch_job_logs = _forward(HfApi.fetch_job_logs)  # type: ignore[attr-defined]  # mirrored, not declared
fetch_job_metrics = _forward(HfApi.fetch_job_metrics)  # type: ignore[attr-defined]  # mirrored, not declared
fetch_space_logs = _forward(HfApi.fetch_space_logs)
file_exists = _forward(HfApi.file_exists)
get_collection = _forward(HfApi.get_collection)
get_dataset_tags = _forward(HfApi.get_dataset_tags)
get_discussion_details = _forward(HfApi.get_discussion_details)
get_full_repo_name = _forward(HfApi.get_full_repo_name)  # type: ignore[attr-defined]  # mirrored, not declared
get_inference_endpoint = _forward(HfApi.get_inference_endpoint)
get_model_tags = _forward(HfApi.get_model_tags)
get_organization_overview = _forward(HfApi.get_organization_overview)
get_paths_info = _forward(HfApi.get_paths_info)
get_repo_discussions = _forward(HfApi.get_repo_discussions)
get_safetensors_metadata = _forward(HfApi.get_safetensors_metadata)
get_sharded_safetensors_metadata = _forward(HfApi.get_sharded_safetensors_metadata)
get_space_runtime = _forward(HfApi.get_space_runtime)
get_space_secrets = _forward(HfApi.get_space_secrets)
get_space_variables = _forward(HfApi.get_space_variables)
get_user_overview = _forward(HfApi.get_user_overview)
get_webhook = _forward(HfApi.get_webhook)
get_zero_gpu_quota = _forward(HfApi.get_zero_gpu_quota)
grant_access = _forward(HfApi.grant_access)
inspect_job = _forward(HfApi.inspect_job)
inspect_scheduled_job = _forward(HfApi.inspect_scheduled_job)
list_accepted_access_requests = _forward(HfApi.list_accepted_access_requests)
list_collections = _forward(HfApi.list_collections)
list_daily_papers = _forward(HfApi.list_daily_papers)
list_datasets = _forward(HfApi.list_datasets)
list_inference_endpoints = _forward(HfApi.list_inference_endpoints)
list_inference_endpoints_hardware = _forward(HfApi.list_inference_endpoints_hardware)
list_jobs = _forward(HfApi.list_jobs)  # type: ignore[attr-defined]  # mirrored, not declared
list_jobs_hardware = _forward(HfApi.list_jobs_hardware)
list_lfs_files = _forward(HfApi.list_lfs_files)
list_liked_repos = _forward(HfApi.list_liked_repos)
list_models = _forward(HfApi.list_models)
list_organization_followers = _forward(HfApi.list_organization_followers)
list_organization_members = _forward(HfApi.list_organization_members)
list_papers = _forward(HfApi.list_papers)
list_pending_access_requests = _forward(HfApi.list_pending_access_requests)
list_rejected_access_requests = _forward(HfApi.list_rejected_access_requests)
list_repo_commits = _forward(HfApi.list_repo_commits)
list_repo_files = _forward(HfApi.list_repo_files)
list_repo_likers = _forward(HfApi.list_repo_likers)
list_repo_refs = _forward(HfApi.list_repo_refs)
list_repo_tree = _forward(HfApi.list_repo_tree)
list_scheduled_jobs = _forward(HfApi.list_scheduled_jobs)
list_space_templates = _forward(HfApi.list_space_templates)
list_spaces = _forward(HfApi.list_spaces)
list_spaces_hardware = _forward(HfApi.list_spaces_hardware)
list_user_followers = _forward(HfApi.list_user_followers)
list_user_following = _forward(HfApi.list_user_following)
list_user_repos = _forward(HfApi.list_user_repos)
list_webhooks = _forward(HfApi.list_webhooks)
merge_pull_request = _forward(HfApi.merge_pull_request)
model_info = _forward(HfApi.model_info)
move_repo = _forward(HfApi.move_repo)
paper_info = _forward(HfApi.paper_info)
parse_safetensors_file_metadata = _forward(HfApi.parse_safetensors_file_metadata)
pause_inference_endpoint = _forward(HfApi.pause_inference_endpoint)
pause_space = _forward(HfApi.pause_space)
permanently_delete_lfs_files = _forward(HfApi.permanently_delete_lfs_files)
preupload_lfs_files = _forward(HfApi.preupload_lfs_files)
read_paper = _forward(HfApi.read_paper)
reject_access_request = _forward(HfApi.reject_access_request)
rename_discussion = _forward(HfApi.rename_discussion)
repo_exists = _forward(HfApi.repo_exists)
repo_info = _forward(HfApi.repo_info)
request_space_hardware = _forward(HfApi.request_space_hardware)
rerun_job = _forward(HfApi.rerun_job)
resolve_revision = _forward(HfApi.resolve_revision)
restart_space = _forward(HfApi.restart_space)
resume_inference_endpoint = _forward(HfApi.resume_inference_endpoint)
resume_scheduled_job = _forward(HfApi.resume_scheduled_job)
revision_exists = _forward(HfApi.revision_exists)
run_as_future = _forward(HfApi.run_as_future)
run_job = _forward(HfApi.run_job)
run_uv_job = _forward(HfApi.run_uv_job)
scale_to_zero_inference_endpoint = _forward(HfApi.scale_to_zero_inference_endpoint)
search_spaces = _forward(HfApi.search_spaces)
set_space_sleep_time = _forward(HfApi.set_space_sleep_time)
set_space_volumes = _forward(HfApi.set_space_volumes)
space_info = _forward(HfApi.space_info)
super_squash_history = _forward(HfApi.super_squash_history)
suspend_scheduled_job = _forward(HfApi.suspend_scheduled_job)
trigger_scheduled_job = _forward(HfApi.trigger_scheduled_job)
unlike = _forward(HfApi.unlike)
update_collection_item = _forward(HfApi.update_collection_item)
update_collection_metadata = _forward(HfApi.update_collection_metadata)
update_inference_endpoint = _forward(HfApi.update_inference_endpoint)
update_job_expose = _forward(HfApi.update_job_expose)
update_job_labels = _forward(HfApi.update_job_labels)
update_repo_settings = _forward(HfApi.update_repo_settings)
update_scheduled_job_labels = _forward(HfApi.update_scheduled_job_labels)
update_scheduled_job_schedule = _forward(HfApi.update_scheduled_job_schedule)
update_webhook = _forward(HfApi.update_webhook)
upload_attachment = _forward(HfApi.upload_attachment)
upload_file = _forward(HfApi.upload_file)
upload_folder = _forward(HfApi.upload_folder)
verify_repo_checksums = _forward(HfApi.verify_repo_checksums)
wait_for_job = _forward(HfApi.wait_for_job)
wait_for_space = _forward(HfApi.wait_for_space)
whoami = _forward(HfApi.whoami)
