"""Every exception hubflow raises, in one tree.

Names and meanings follow ``huggingface_hub.errors`` so that users' ``except`` clauses keep
working after switching the import. Everything derives from ``HubflowError``.

```
HubflowError
├── HfHubHTTPError (OSError)            attrs: response, request, request_id, server_message
│   ├── RepositoryNotFoundError         attrs: repo_id, repo_type
│   │   └── GatedRepoError
│   ├── DisabledRepoError
│   ├── RevisionNotFoundError           attrs: repo_id, repo_type
│   ├── RemoteEntryNotFoundError (also EntryNotFoundError)
│   ├── BadRequestError (also ValueError)
│   ├── JobNotFoundError                attrs: job_id
│   └── CommitConflictError             412: the branch moved past ``parent_commit``
├── RevisionResolutionError          resolve_revision: Hub unreachable, nothing cached
├── EntryNotFoundError
│   ├── RemoteEntryNotFoundError
│   └── LocalEntryNotFoundError (also FileNotFoundError)
│       └── IncompleteSnapshotError     attrs: snapshot_path
├── OfflineModeIsEnabled (ConnectionError)
├── HubConnectionError (ConnectionError)  network failure after every retry (wraps httpx)
├── LocalTokenNotFoundError (OSError)
├── FileMetadataError (OSError)
├── FileChangedError (OSError)          a local file changed between hashing and upload
├── HFValidationError (ValueError)
├── SafetensorsParsingError, NotASafetensorsRepoError
├── CacheNotFound, CorruptedCacheException
├── GraphError                          a cycle or a dependency missing from the graph (wraps networkx)
└── NodesFailedError                    ``run(..., fail_fast=False)``: some nodes failed
```

```python
from hubflow.errors import RepositoryNotFoundError
try:
    api.model_info("alice/nope")
except RepositoryNotFoundError as err:
    print(err.repo_id, err.request_id)
```
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BadRequestError",
    "CacheNotFound",
    "CommitConflictError",
    "CorruptedCacheException",
    "DisabledRepoError",
    "EntryNotFoundError",
    "FileChangedError",
    "FileMetadataError",
    "GatedRepoError",
    "GraphError",
    "HFValidationError",
    "HfHubHTTPError",
    "HubConnectionError",
    "HubflowError",
    "IncompleteSnapshotError",
    "JobNotFoundError",
    "LocalEntryNotFoundError",
    "LocalTokenNotFoundError",
    "NodesFailedError",
    "NotASafetensorsRepoError",
    "OfflineModeIsEnabled",
    "RemoteEntryNotFoundError",
    "RepositoryNotFoundError",
    "RevisionNotFoundError",
    "RevisionResolutionError",
    "SafetensorsParsingError",
    "parse_ratelimit",
    "raise_for_status",
]


class HubflowError(Exception):
    """Root of every hubflow exception: ``except HubflowError`` catches them all.

    ```python
    try:
        api.upload_folder(repo_id="alice/m", folder_path="out")
    except HubflowError as err:
        print(f"upload failed: {type(err).__name__}: {err}")
    ```
    """


class HfHubHTTPError(HubflowError, OSError):
    """The Hub answered with an error status.

    ``server_message`` is the server's own text (``X-Error-Message`` and the JSON ``error``
    body), ``request_id`` the first of ``X-Request-Id``, ``X-Amzn-Trace-Id``, ``X-Amz-Cf-Id``.

    ```python
    try:
        api.whoami()
    except HfHubHTTPError as err:
        print(err.response.status_code, err.server_message)
    ```
    """

    def __init__(self, message: str, *, response: httpx.Response, server_message: str | None = None) -> None:
        super().__init__(message)
        headers = response.headers
        self.request_id: str | None = (
            headers.get("x-request-id") or headers.get("x-amzn-trace-id") or headers.get("x-amz-cf-id")
        )
        self.server_message = server_message
        self.response = response
        self.request: httpx.Request | None = response._request  # None when built by hand in tests

    @property
    def status_code(self) -> int:
        """The HTTP status of the response."""
        return self.response.status_code

    def append_to_message(self, additional_message: str) -> None:
        """Append a hint to the message (as huggingface_hub's method of the same name)."""
        self.args = (str(self.args[0]) + additional_message, *self.args[1:])

    def __reduce__(self) -> Any:
        # Exceptions with keyword-only arguments do not pickle by default; executors in
        # other processes (and concurrent.futures) may need to.
        return (_rebuild_http_error, (type(self), str(self), self.response, self.server_message, self.__dict__))


def _rebuild_http_error(
    cls: type[HfHubHTTPError], message: str, response: httpx.Response, server_message: str | None, state: dict[str, Any]
) -> HfHubHTTPError:
    err = cls(message, response=response, server_message=server_message)
    err.__dict__.update(state)
    return err


class _RepoErrorMixin:
    """``repo_id`` / ``repo_type`` parsed from the request URL (None when not a repo URL)."""

    repo_id: str | None = None
    repo_type: str | None = None


class RepositoryNotFoundError(_RepoErrorMixin, HfHubHTTPError):
    """The repository does not exist, or it is private and the token cannot see it.

    ```python
    try:
        api.model_info("alice/nope")
    except RepositoryNotFoundError as err:
        err.repo_id  # "alice/nope"
    ```
    """


class GatedRepoError(RepositoryNotFoundError):
    """The repository is gated and the user has not been granted access.

    ```python
    try:
        api.hf_hub_download("acme/gated-model", "model.safetensors")
    except GatedRepoError:
        print("ask for access on the repo page first")
    ```
    """


class DisabledRepoError(HfHubHTTPError):
    """The repository has been disabled by its author or the Hub.

    ```python
    try:
        api.model_info("alice/disabled")
    except DisabledRepoError as err:
        err.server_message
    ```
    """


class RevisionNotFoundError(_RepoErrorMixin, HfHubHTTPError):
    """The branch, tag or commit does not exist in the repository.

    ```python
    try:
        api.list_repo_files("alice/m", revision="no-such-branch")
    except RevisionNotFoundError:
        api.create_branch("alice/m", branch="no-such-branch")
    ```
    """


class RevisionResolutionError(HubflowError):
    """``resolve_revision``: the Hub could not be reached and the cache holds no commit for that revision.

    ```python
    try:
        sha = api.resolve_revision("alice/m", revision="main").commit_sha
    except RevisionResolutionError:
        sha = None  # offline and never downloaded
    ```
    """


class EntryNotFoundError(HubflowError):
    """A file is missing, either on the Hub or in the local cache.

    ```python
    try:
        path = api.hf_hub_download("alice/m", "config.json")
    except EntryNotFoundError:          # RemoteEntryNotFoundError or LocalEntryNotFoundError
        path = None
    ```
    """


class RemoteEntryNotFoundError(_RepoErrorMixin, HfHubHTTPError, EntryNotFoundError):
    """The file does not exist at that revision on the Hub.

    ```python
    try:
        api.hf_hub_download("alice/m", "missing.txt")
    except RemoteEntryNotFoundError as err:
        err.repo_id  # "alice/m"
    ```
    """


class LocalEntryNotFoundError(FileNotFoundError, EntryNotFoundError):
    """The file is not in the cache and the Hub cannot be reached (or offline mode is on).

    ```python
    try:
        api.hf_hub_download("alice/m", "config.json", local_files_only=True)
    except LocalEntryNotFoundError:
        print("not cached yet")
    ```
    """


class IncompleteSnapshotError(LocalEntryNotFoundError):
    """A cached snapshot lacks some files and the Hub cannot be reached to complete it.

    ```python
    try:
        api.snapshot_download("alice/m", local_files_only=True)
    except IncompleteSnapshotError as err:
        err.snapshot_path  # the partial snapshot folder
    ```
    """

    def __init__(self, message: str, snapshot_path: str | Path) -> None:
        super().__init__(message)
        self.snapshot_path = str(snapshot_path)


class BadRequestError(HfHubHTTPError, ValueError):
    """The server rejected the request as malformed (HTTP 400).

    ```python
    try:
        api.create_commit("alice/m", operations=ops, commit_message="Add")
    except BadRequestError as err:
        err.server_message  # what the Hub objected to
    ```
    """


class JobNotFoundError(HfHubHTTPError):
    """The job (or scheduled job) id does not exist (HTTP 404 under ``/api/jobs``).

    ```python
    try:
        api.inspect_job(job_id="0123456789abcdef01234567")
    except JobNotFoundError as err:
        err.job_id
    ```
    """

    job_id: str | None = None


class CommitConflictError(HfHubHTTPError):
    """The commit's ``parent_commit`` is no longer the head of the branch (HTTP 412).

    Safe to handle by re-reading the branch head and committing again.

    ```python
    head = api.repo_info("alice/m").sha
    try:
        api.create_commit("alice/m", operations=ops, commit_message="Add", parent_commit=head)
    except CommitConflictError:
        ...  # someone committed in between: re-read and decide
    ```
    """


class OfflineModeIsEnabled(HubflowError, ConnectionError):
    """A request was attempted while ``HF_HUB_OFFLINE=1``.

    ```python
    try:
        api.model_info("alice/m")
    except OfflineModeIsEnabled:
        print("unset HF_HUB_OFFLINE to reach the Hub")
    ```
    """


class HubConnectionError(HubflowError, ConnectionError):
    """The Hub could not be reached (DNS, refused, reset, timeout) after every retry.

    The original ``httpx`` exception is the ``__cause__``.

    ```python
    try:
        HfApi(endpoint="http://127.0.0.1:9").whoami()
    except HubConnectionError as err:
        type(err.__cause__)  # httpx.ConnectError
    ```
    """


class LocalTokenNotFoundError(HubflowError, OSError):
    """``token=True`` was passed but no token is stored (``HF_TOKEN`` or the token file).

    ```python
    try:
        api.whoami(token=True)
    except LocalTokenNotFoundError:
        print("set HF_TOKEN first")
    ```
    """


class FileMetadataError(HubflowError, OSError):
    """A ``HEAD`` on ``/resolve`` lacked ``X-Repo-Commit``, ``ETag`` or a size.

    ```python
    try:
        api.get_hf_file_metadata(hf_hub_url("alice/m", "config.json"))
    except FileMetadataError:
        print("a proxy stripped the Hub's headers")
    ```
    """


class FileChangedError(HubflowError, OSError):
    """A local file changed (size or content) between hashing it and uploading it.

    ```python
    try:
        api.upload_folder(repo_id="alice/m", folder_path="logs")
    except FileChangedError as err:
        err.path  # still being written to: retry once it is closed
    ```
    """

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class HFValidationError(HubflowError, ValueError):
    """An argument is malformed (repo id, ``path_in_repo``, revision, repo type).

    ```python
    try:
        api.model_info("not a/valid--id")
    except HFValidationError as err:   # raised before any request
        print(err)
    ```
    """


class SafetensorsParsingError(HubflowError):
    """A safetensors header could not be parsed.

    ```python
    try:
        api.get_safetensors_metadata("alice/m")
    except SafetensorsParsingError:
        print("model.safetensors has a corrupt header")
    ```
    """


class NotASafetensorsRepoError(HubflowError):
    """The repository has neither ``model.safetensors`` nor ``model.safetensors.index.json``.

    ```python
    try:
        api.get_safetensors_metadata("alice/pickle-only")
    except NotASafetensorsRepoError:
        metadata = None
    ```
    """


class CacheNotFound(HubflowError):
    """The cache directory does not exist.

    ```python
    raise CacheNotFound("no cache here", cache_dir="/tmp/empty")   # err.cache_dir
    ```
    """

    def __init__(self, msg: str, cache_dir: str | Path) -> None:
        super().__init__(msg)
        self.cache_dir = cache_dir


class CorruptedCacheException(HubflowError):
    """The cache directory has an unexpected layout.

    ```python
    raise CorruptedCacheException("snapshots/ is missing in models--alice--m")
    ```
    """


class GraphError(HubflowError):
    """The task graph is malformed: a cycle, or a dependency that was never added.

    ```python
    graph = Graph()
    graph.add(RepoInfo(repo_id="alice/m"), after=[WhoAmI()])   # GraphError: WhoAmI was never added
    ```
    """


class NodesFailedError(HubflowError):
    """Some nodes failed in a ``run(..., fail_fast=False)``; the others' results are kept.

    ``failures`` lists ``(task, typed error)`` pairs; ``results`` holds what finished.
    Nodes depending on a failed node were skipped.

    ```python
    try:
        results = await run(graph, settings, fail_fast=False)
    except NodesFailedError as err:
        for task, error in err.failures:
            print(task.label, error)
        results = err.results
    ```
    """

    def __init__(self, message: str, *, failures: list[tuple[Any, BaseException]], results: Any) -> None:
        super().__init__(message)
        self.failures = failures
        self.results = results


_E = TypeVar("_E", bound=HfHubHTTPError)


# --- response → exception (the one mapping function) ---------------------------------------

_REPO_API_URL = re.compile(r"^https://[^/]+(/api/(models|datasets|spaces)/(.+)|/(.+)/resolve/(.+))")
_REPO_ID_FROM_RESOLVE = re.compile(r"^https?://[^/]+/(?:(datasets|spaces|kernels)/)?([^/?]+(?:/[^/?]+)?)/resolve/")
_REPO_ID_FROM_API = re.compile(r"^https?://[^/]+/api/(models|datasets|spaces)/([^/?]+)(?:/([^/?]+))?")
_JOB_ID_FROM_URL = re.compile(r"^https?://[^/]+/api/(?:scheduled-jobs|jobs)/[^/]+/([^/?]+)")
_REPO_SUBPATHS = {"resolve", "tree", "blob", "raw", "refs", "commit", "discussions", "settings", "revision"}
_SINGULAR = {"models": "model", "datasets": "dataset", "spaces": "space", "kernels": "kernel"}
_RATELIMIT = re.compile(r"\"(?P<resource>\w+)\"\s*;\s*r\s*=\s*(?P<r>\d+)\s*;\s*t\s*=\s*(?P<t>\d+)")
_RATELIMIT_POLICY = re.compile(r"q\s*=\s*(?P<q>\d+).*?w\s*=\s*(?P<w>\d+)")


def _repo_from_url(url: str) -> tuple[str | None, str | None]:
    """``(repo_type, repo_id)`` parsed from an API or ``/resolve`` URL, as huggingface_hub does."""
    if match := _REPO_ID_FROM_RESOLVE.search(url):
        return _SINGULAR[match.group(1) or "models"], match.group(2)
    match = _REPO_ID_FROM_API.search(url)
    if match is None:
        return None, None
    first, second = match.group(2), match.group(3)
    repo_id = f"{first}/{second}" if second and second not in _REPO_SUBPATHS else first
    return _SINGULAR[match.group(1)], repo_id


def parse_ratelimit(headers: httpx.Headers) -> tuple[str, int, int] | None:
    """``(resource, remaining, reset_seconds)`` from a ``RateLimit`` header, or None.

    ```python
    parse_ratelimit(httpx.Headers({"RateLimit": '"api";r=0;t=55'}))  # ("api", 0, 55)
    ```
    """
    value = headers.get("ratelimit")
    match = _RATELIMIT.search(value) if value else None
    if match is None:
        return None
    return match.group("resource"), int(match.group("r")), int(match.group("t"))


def _server_messages(response: httpx.Response) -> list[str]:
    found: list[Any] = []
    if (header := response.headers.get("x-error-message")) is not None:
        found.append(header)
    try:
        content = response.content
    except Exception:  # an unread stream: the status line is all we have
        content = b""
    try:
        data = json.loads(content) if content else {}
    except ValueError:
        if content and "html" not in response.headers.get("content-type", "").lower():
            found.append(content.decode("utf-8", "replace"))
        data = {}
    if isinstance(data, dict):
        error, description = data.get("error"), data.get("error_description")
        if isinstance(error, list):
            found.extend(error)
        elif error is not None and description is not None:
            found.append(f"{error}: {description}")
        elif error is not None:
            found.append(error)
        elif description is not None:
            found.append(description)
        for item in data.get("errors") or []:
            if isinstance(item, dict) and "message" in item:
                found.append(item["message"])
    stripped = [str(line).strip() for line in found if str(line).strip()]
    return list(dict.fromkeys(stripped))


def _format(cls: type[_E], message: str, response: httpx.Response, **attrs: Any) -> _E:
    """Assemble the message as huggingface_hub's ``_format``: server text, then the request id."""
    server_message = "\n".join(_server_messages(response))
    final = message
    if server_message and server_message.lower() not in message.lower():
        final += ("\n" if "\n\n" in message else "\n\n") + server_message
    for header, label in (
        ("x-request-id", "Request ID"),
        ("x-amzn-trace-id", "Amzn Trace ID"),
        ("x-amz-cf-id", "Amz CF ID"),
    ):
        value = response.headers.get(header)
        if value:
            if value.lower() not in final.lower():
                note = f" ({label}: {value})"
                cut = final.find("\n")
                final = final + note if cut < 0 else final[:cut] + note + final[cut:]
            break
    err = cls(final.strip(), response=response, server_message=server_message or None)
    for name, value in attrs.items():
        setattr(err, name, value)
    return err


def raise_for_status(response: httpx.Response, endpoint_name: str | None = None) -> None:
    """Raise the typed ``HfHubHTTPError`` subclass for an error response; do nothing otherwise.

    Rules are huggingface_hub's, top to bottom, first match wins: ``X-Error-Code``
    (``RevisionNotFound``, ``EntryNotFound``, ``GatedRepo``), the disabled-repo message, 404 under
    ``/api/jobs``, ``RepoNotFound`` or a 401 on an ``https`` repo URL, 400, 403, 412 (hubflow:
    ``CommitConflictError``), 429, 416, anything else >= 400.

    ```python
    response = await client.get(url)
    raise_for_status(response)  # RepositoryNotFoundError, GatedRepoError, ...
    ```
    """
    status = response.status_code
    if status < 400:
        return
    code = response.headers.get("x-error-code")
    header_message = response.headers.get("x-error-message")
    url = str(response.request.url) if response._request is not None else ""
    repo_type, repo_id = _repo_from_url(url) if url else (None, None)
    repo = {"repo_type": repo_type, "repo_id": repo_id}
    head = f"{status} Client Error.\n\n"
    if code == "RevisionNotFound":
        raise _format(RevisionNotFoundError, f"{head}Revision Not Found for url: {url}.", response, **repo)
    if code == "EntryNotFound":
        raise _format(RemoteEntryNotFoundError, f"{head}Entry Not Found for url: {url}.", response, **repo)
    if code == "GatedRepo":
        raise _format(GatedRepoError, f"{head}Cannot access gated repo for url {url}.", response, **repo)
    if header_message == "Access to this resource is disabled.":
        message = f"{head}Cannot access repository for url {url}.\nAccess to this resource is disabled."
        raise _format(DisabledRepoError, message, response)
    if status == 404 and (job := _JOB_ID_FROM_URL.search(url)) is not None:
        message = f"{head}Job Not Found for url: {url}.\nPlease make sure you specified the correct job ID and namespace."
        raise _format(JobNotFoundError, message, response, job_id=job.group(1))
    if code == "RepoNotFound" or (
        status == 401
        and header_message != "Invalid credentials in Authorization header"
        and _REPO_API_URL.search(url) is not None
    ):
        message = (
            f"{head}Repository Not Found for url: {url}.\nPlease make sure you specified the correct `repo_id` and"
            " `repo_type`.\nIf you are trying to access a private or gated repo, make sure you are authenticated"
            " and your token has the required permissions."
        )
        raise _format(RepositoryNotFoundError, message, response, **repo)
    if status == 400:
        where = f" for {endpoint_name} endpoint" if endpoint_name is not None else ""
        raise _format(BadRequestError, f"\n\nBad request{where}:", response)
    if status == 403:
        message = (
            f"\n\n403 Forbidden: {header_message}.\nCannot access content at: {url}."
            "\nMake sure your token has the correct permissions."
        )
        raise _format(HfHubHTTPError, message, response)
    if status == 412:
        message = f"{head}Precondition Failed for url: {url}.\nThe branch head is not the expected parent commit."
        raise _format(CommitConflictError, message, response)
    if status == 429:
        limit = parse_ratelimit(response.headers)
        if limit is not None and limit[1] == 0:
            message = f"\n\n429 Too Many Requests: you have reached your '{limit[0]}' rate limit."
            message += f"\nRetry after {limit[2]} seconds"
            policy = _RATELIMIT_POLICY.search(response.headers.get("ratelimit-policy", ""))
            if policy is not None:
                message += f" (0/{policy.group('q')} requests remaining in current {policy.group('w')}s window)."
            else:
                message += "."
            message += f"\nUrl: {url}."
        else:
            message = f"\n\n429 Too Many Requests for url: {url}."
        raise _format(HfHubHTTPError, message, response)
    if status == 416:
        message = (
            f"{status} Range Not Satisfiable for url: {url}. Requested range: {response.request.headers.get('range')}."
            f" Content-Range: {response.headers.get('content-range')}."
        )
        raise _format(HfHubHTTPError, message, response)
    kind = "Client" if status < 500 else "Server"
    raise _format(HfHubHTTPError, f"{status} {kind} Error: {response.reason_phrase} for url: {url}", response)
