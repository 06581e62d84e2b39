"""The facade: ``AsyncHfApi`` (the async core) and ``HfApi`` (its blocking mirror).

Each Hub area contributes one async mixin (``hubflow/_api/_<area>.py``, see ``_base.py`` for the
pattern); add it to ``AsyncHfApi``'s bases below, and ``HfApi`` mirrors its methods.

```python
from hubflow import HfApi
HfApi(token="hf_...").whoami()
```
"""

from __future__ import annotations

from hubflow._api._access import AccessMixin
from hubflow._api._base import AsyncHfApiBase, HfApiBase, blocking
from hubflow._api._collections import CollectionsMixin
from hubflow._api._commits import CommitsMixin
from hubflow._api._copy import CopyMixin
from hubflow._api._discussions import DiscussionsMixin
from hubflow._api._downloads import DownloadsMixin
from hubflow._api._endpoints import EndpointsMixin, sync_endpoint
from hubflow._api._jobs import JobsMixin
from hubflow._api._large_folder import LargeFolderMixin
from hubflow._api._listing import ListingMixin
from hubflow._api._misc import MiscMixin, run_as_future
from hubflow._api._paging import blocking_paged
from hubflow._api._papers import PapersMixin
from hubflow._api._refs import RefsMixin
from hubflow._api._repos import ReposMixin
from hubflow._api._safetensors import SafetensorsMixin
from hubflow._api._spaces import SpacesMixin
from hubflow._api._users import UsersMixin
from hubflow._api._users_orgs import UsersOrgsMixin
from hubflow._api._webhooks import WebhooksMixin

__all__ = ["AsyncHfApi", "HfApi", "blocking"]


class AsyncHfApi(
    MiscMixin,  # compatibility odds and ends (hubflow/_api/_misc.py, _copy.py): first, they use the others
    CopyMixin,
    UsersMixin,
    CommitsMixin,
    ReposMixin,
    ListingMixin,
    RefsMixin,
    SafetensorsMixin,
    DownloadsMixin,
    LargeFolderMixin,
    DiscussionsMixin,
    AccessMixin,
    UsersOrgsMixin,
    CollectionsMixin,
    JobsMixin,
    EndpointsMixin,
    SpacesMixin,
    WebhooksMixin,
    PapersMixin,
    AsyncHfApiBase,
):
    """The Hub API, async. Same method names and parameters as ``huggingface_hub.HfApi``.

    ```python
    async with AsyncHfApi(token="hf_...") as api:
        me = await api.whoami()
    ```
    """


class HfApi(HfApiBase, sync_of=AsyncHfApi):
    """The Hub API, blocking: every ``AsyncHfApi`` method, run on a background event loop.

    Works inside Jupyter (where an event loop already runs). Every method also accepts
    ``run_as_future=True`` to get a ``concurrent.futures.Future``.

    ```python
    with HfApi(token="hf_...") as api:
        api.whoami()["name"]
    ```
    """

    whoami = blocking(AsyncHfApi.whoami)

    # downloads and safetensors (hubflow/_api/_downloads.py, _safetensors.py)
    hf_hub_download = blocking(AsyncHfApi.hf_hub_download)
    snapshot_download = blocking(AsyncHfApi.snapshot_download)
    get_hf_file_metadata = blocking(AsyncHfApi.get_hf_file_metadata)
    file_exists = blocking(AsyncHfApi.file_exists)
    verify_repo_checksums = blocking(AsyncHfApi.verify_repo_checksums)
    get_safetensors_metadata = blocking(AsyncHfApi.get_safetensors_metadata)
    parse_safetensors_file_metadata = blocking(AsyncHfApi.parse_safetensors_file_metadata)

    # commits and uploads (hubflow/_api/_commits.py)
    create_commit = blocking(AsyncHfApi.create_commit)
    preupload_lfs_files = blocking(AsyncHfApi.preupload_lfs_files)
    upload_file = blocking(AsyncHfApi.upload_file)
    upload_folder = blocking(AsyncHfApi.upload_folder)
    delete_file = blocking(AsyncHfApi.delete_file)
    delete_files = blocking(AsyncHfApi.delete_files)
    delete_folder = blocking(AsyncHfApi.delete_folder)
    upload_large_folder = blocking(AsyncHfApi.upload_large_folder)  # hubflow/_api/_large_folder.py

    # repos / listing / refs (hubflow/_api/_repos.py, _listing.py, _refs.py)
    create_repo = blocking(AsyncHfApi.create_repo)
    delete_repo = blocking(AsyncHfApi.delete_repo)
    move_repo = blocking(AsyncHfApi.move_repo)
    update_repo_settings = blocking(AsyncHfApi.update_repo_settings)
    repo_info = blocking(AsyncHfApi.repo_info)
    model_info = blocking(AsyncHfApi.model_info)
    dataset_info = blocking(AsyncHfApi.dataset_info)
    space_info = blocking(AsyncHfApi.space_info)
    repo_exists = blocking(AsyncHfApi.repo_exists)
    revision_exists = blocking(AsyncHfApi.revision_exists)
    auth_check = blocking(AsyncHfApi.auth_check)
    list_models = blocking_paged(AsyncHfApi.list_models)
    list_datasets = blocking_paged(AsyncHfApi.list_datasets)
    list_spaces = blocking_paged(AsyncHfApi.list_spaces)
    list_repo_tree = blocking_paged(AsyncHfApi.list_repo_tree)
    list_lfs_files = blocking_paged(AsyncHfApi.list_lfs_files)
    list_repo_files = blocking(AsyncHfApi.list_repo_files)
    get_paths_info = blocking(AsyncHfApi.get_paths_info)
    permanently_delete_lfs_files = blocking(AsyncHfApi.permanently_delete_lfs_files)
    list_repo_refs = blocking(AsyncHfApi.list_repo_refs)
    list_repo_commits = blocking(AsyncHfApi.list_repo_commits)
    create_branch = blocking(AsyncHfApi.create_branch)
    delete_branch = blocking(AsyncHfApi.delete_branch)
    create_tag = blocking(AsyncHfApi.create_tag)
    delete_tag = blocking(AsyncHfApi.delete_tag)
    super_squash_history = blocking(AsyncHfApi.super_squash_history)

    # discussions and pull requests (hubflow/_api/_discussions.py)
    get_repo_discussions = blocking(AsyncHfApi.get_repo_discussions)
    get_discussion_details = blocking(AsyncHfApi.get_discussion_details)
    create_discussion = blocking(AsyncHfApi.create_discussion)
    create_pull_request = blocking(AsyncHfApi.create_pull_request)
    comment_discussion = blocking(AsyncHfApi.comment_discussion)
    rename_discussion = blocking(AsyncHfApi.rename_discussion)
    change_discussion_status = blocking(AsyncHfApi.change_discussion_status)
    merge_pull_request = blocking(AsyncHfApi.merge_pull_request)
    edit_discussion_comment = blocking(AsyncHfApi.edit_discussion_comment)
    hide_discussion_comment = blocking(AsyncHfApi.hide_discussion_comment)
    upload_attachment = blocking(AsyncHfApi.upload_attachment)

    # gated repos: access requests (hubflow/_api/_access.py)
    list_pending_access_requests = blocking_paged(AsyncHfApi.list_pending_access_requests)
    list_accepted_access_requests = blocking_paged(AsyncHfApi.list_accepted_access_requests)
    list_rejected_access_requests = blocking_paged(AsyncHfApi.list_rejected_access_requests)
    accept_access_request = blocking(AsyncHfApi.accept_access_request)
    reject_access_request = blocking(AsyncHfApi.reject_access_request)
    cancel_access_request = blocking(AsyncHfApi.cancel_access_request)
    grant_access = blocking(AsyncHfApi.grant_access)

    # users, organisations, likes (hubflow/_api/_users_orgs.py)
    get_user_overview = blocking(AsyncHfApi.get_user_overview)
    get_organization_overview = blocking(AsyncHfApi.get_organization_overview)
    list_user_followers = blocking_paged(AsyncHfApi.list_user_followers)
    list_user_following = blocking_paged(AsyncHfApi.list_user_following)
    list_organization_members = blocking_paged(AsyncHfApi.list_organization_members)
    list_organization_followers = blocking_paged(AsyncHfApi.list_organization_followers)
    like = blocking(AsyncHfApi.like)
    unlike = blocking(AsyncHfApi.unlike)
    list_liked_repos = blocking(AsyncHfApi.list_liked_repos)
    list_repo_likers = blocking_paged(AsyncHfApi.list_repo_likers)
    list_user_repos = blocking_paged(AsyncHfApi.list_user_repos)

    # collections (hubflow/_api/_collections.py)
    list_collections = blocking_paged(AsyncHfApi.list_collections)
    get_collection = blocking(AsyncHfApi.get_collection)
    create_collection = blocking(AsyncHfApi.create_collection)
    update_collection_metadata = blocking(AsyncHfApi.update_collection_metadata)
    delete_collection = blocking(AsyncHfApi.delete_collection)
    add_collection_item = blocking(AsyncHfApi.add_collection_item)
    update_collection_item = blocking(AsyncHfApi.update_collection_item)
    delete_collection_item = blocking(AsyncHfApi.delete_collection_item)

    # jobs (hubflow/_api/_jobs.py); list_jobs / fetch_job_* are lazy blocking iterators
    run_job = blocking(AsyncHfApi.run_job)
    run_uv_job = blocking(AsyncHfApi.run_uv_job)
    inspect_job = blocking(AsyncHfApi.inspect_job)
    wait_for_job = blocking(AsyncHfApi.wait_for_job)
    cancel_job = blocking(AsyncHfApi.cancel_job)
    rerun_job = blocking(AsyncHfApi.rerun_job)
    update_job_labels = blocking(AsyncHfApi.update_job_labels)
    update_job_expose = blocking(AsyncHfApi.update_job_expose)
    list_jobs_hardware = blocking(AsyncHfApi.list_jobs_hardware)
    create_scheduled_job = blocking(AsyncHfApi.create_scheduled_job)
    create_scheduled_uv_job = blocking(AsyncHfApi.create_scheduled_uv_job)
    list_scheduled_jobs = blocking(AsyncHfApi.list_scheduled_jobs)
    inspect_scheduled_job = blocking(AsyncHfApi.inspect_scheduled_job)
    delete_scheduled_job = blocking(AsyncHfApi.delete_scheduled_job)
    suspend_scheduled_job = blocking(AsyncHfApi.suspend_scheduled_job)
    resume_scheduled_job = blocking(AsyncHfApi.resume_scheduled_job)
    update_scheduled_job_schedule = blocking(AsyncHfApi.update_scheduled_job_schedule)
    trigger_scheduled_job = blocking(AsyncHfApi.trigger_scheduled_job)
    update_scheduled_job_labels = blocking(AsyncHfApi.update_scheduled_job_labels)

    # inference endpoints (hubflow/_api/_endpoints.py): results are blocking InferenceEndpoint objects
    list_inference_endpoints = sync_endpoint(AsyncHfApi.list_inference_endpoints)
    create_inference_endpoint = sync_endpoint(AsyncHfApi.create_inference_endpoint)
    get_inference_endpoint = sync_endpoint(AsyncHfApi.get_inference_endpoint)
    update_inference_endpoint = sync_endpoint(AsyncHfApi.update_inference_endpoint)
    delete_inference_endpoint = sync_endpoint(AsyncHfApi.delete_inference_endpoint)
    pause_inference_endpoint = sync_endpoint(AsyncHfApi.pause_inference_endpoint)
    resume_inference_endpoint = sync_endpoint(AsyncHfApi.resume_inference_endpoint)
    scale_to_zero_inference_endpoint = sync_endpoint(AsyncHfApi.scale_to_zero_inference_endpoint)
    list_inference_endpoints_hardware = sync_endpoint(AsyncHfApi.list_inference_endpoints_hardware)

    # spaces, webhooks, papers (hubflow/_api/_spaces.py, _webhooks.py, _papers.py)
    get_space_runtime = blocking(AsyncHfApi.get_space_runtime)
    request_space_hardware = blocking(AsyncHfApi.request_space_hardware)
    set_space_sleep_time = blocking(AsyncHfApi.set_space_sleep_time)
    pause_space = blocking(AsyncHfApi.pause_space)
    restart_space = blocking(AsyncHfApi.restart_space)
    enable_space_dev_mode = blocking(AsyncHfApi.enable_space_dev_mode)
    disable_space_dev_mode = blocking(AsyncHfApi.disable_space_dev_mode)
    wait_for_space = blocking(AsyncHfApi.wait_for_space)
    add_space_secret = blocking(AsyncHfApi.add_space_secret)
    delete_space_secret = blocking(AsyncHfApi.delete_space_secret)
    get_space_secrets = blocking(AsyncHfApi.get_space_secrets)
    add_space_variable = blocking(AsyncHfApi.add_space_variable)
    delete_space_variable = blocking(AsyncHfApi.delete_space_variable)
    get_space_variables = blocking(AsyncHfApi.get_space_variables)
    set_space_volumes = blocking(AsyncHfApi.set_space_volumes)
    delete_space_volumes = blocking(AsyncHfApi.delete_space_volumes)
    list_spaces_hardware = blocking(AsyncHfApi.list_spaces_hardware)
    list_space_templates = blocking(AsyncHfApi.list_space_templates)
    fetch_space_logs = blocking(AsyncHfApi.fetch_space_logs)
    duplicate_repo = blocking(AsyncHfApi.duplicate_repo)
    list_webhooks = blocking(AsyncHfApi.list_webhooks)
    get_webhook = blocking(AsyncHfApi.get_webhook)
    create_webhook = blocking(AsyncHfApi.create_webhook)
    update_webhook = blocking(AsyncHfApi.update_webhook)
    enable_webhook = blocking(AsyncHfApi.enable_webhook)
    disable_webhook = blocking(AsyncHfApi.disable_webhook)
    delete_webhook = blocking(AsyncHfApi.delete_webhook)
    list_papers = blocking(AsyncHfApi.list_papers)
    paper_info = blocking(AsyncHfApi.paper_info)
    read_paper = blocking(AsyncHfApi.read_paper)
    list_daily_papers = blocking(AsyncHfApi.list_daily_papers)

    # compatibility odds and ends (hubflow/_api/_misc.py, _copy.py)
    run_as_future = run_as_future
    resolve_revision = blocking(AsyncHfApi.resolve_revision)
    get_model_tags = blocking(AsyncHfApi.get_model_tags)
    get_dataset_tags = blocking(AsyncHfApi.get_dataset_tags)
    get_sharded_safetensors_metadata = blocking(AsyncHfApi.get_sharded_safetensors_metadata)
    search_spaces = blocking(AsyncHfApi.search_spaces)
    get_zero_gpu_quota = blocking(AsyncHfApi.get_zero_gpu_quota)
    copy_files = blocking(AsyncHfApi.copy_files)
