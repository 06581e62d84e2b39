"""hubflow: the Hugging Face Hub as a workflow of typed task nodes.

```python
from hubflow import HfApi
api = HfApi(token="hf_...")
api.whoami()
```
"""

from __future__ import annotations

from hubflow._api import AsyncHfApi, HfApi
from hubflow._events import NodeFailed, NodeFinished, NodeProgress, NodeRetrying, NodeStarted
from hubflow._file_download import (
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
    snapshot_download,
    try_to_load_from_cache,
)
from hubflow._hashing import FileHashes
from hubflow._inference_endpoint import (
    AsyncInferenceEndpoint,
    InferenceEndpoint,
    InferenceEndpointError,
    InferenceEndpointTimeoutError,
)
from hubflow._operations import (
    CommitOperation,
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
)
from hubflow._settings import Limits, RetryPolicy, Settings, Timeouts
from hubflow.errors import (
    BadRequestError,
    CacheNotFound,
    CommitConflictError,
    CorruptedCacheException,
    DisabledRepoError,
    EntryNotFoundError,
    FileChangedError,
    FileMetadataError,
    GatedRepoError,
    GraphError,
    HfHubHTTPError,
    HFValidationError,
    HubConnectionError,
    HubflowError,
    IncompleteSnapshotError,
    JobNotFoundError,
    LocalEntryNotFoundError,
    LocalTokenNotFoundError,
    NodesFailedError,
    NotASafetensorsRepoError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    SafetensorsParsingError,
)
from hubflow.graph import Graph, Journal, Results, run
from hubflow.pipelines._download_types import DryRunFileInfo, FolderVerification
from hubflow.pipelines.large_folder import LargeFolderWarning
from hubflow.tasks import Context, Endpoint, Task

__version__ = "0.1.0"

__all__ = [
    "AsyncHfApi",
    "AsyncInferenceEndpoint",
    "BadRequestError",
    "CacheNotFound",
    "CommitConflictError",
    "CommitOperation",
    "CommitOperationAdd",
    "CommitOperationCopy",
    "CommitOperationDelete",
    "Context",
    "CorruptedCacheException",
    "DisabledRepoError",
    "DryRunFileInfo",
    "Endpoint",
    "EntryNotFoundError",
    "FileChangedError",
    "FileHashes",
    "FileMetadataError",
    "FolderVerification",
    "GatedRepoError",
    "Graph",
    "GraphError",
    "HFValidationError",
    "HfApi",
    "HfHubHTTPError",
    "HubConnectionError",
    "HubflowError",
    "IncompleteSnapshotError",
    "InferenceEndpoint",
    "InferenceEndpointError",
    "InferenceEndpointTimeoutError",
    "JobNotFoundError",
    "Journal",
    "LargeFolderWarning",
    "Limits",
    "LocalEntryNotFoundError",
    "LocalTokenNotFoundError",
    "NodeFailed",
    "NodeFinished",
    "NodeProgress",
    "NodeRetrying",
    "NodeStarted",
    "NodesFailedError",
    "NotASafetensorsRepoError",
    "OfflineModeIsEnabled",
    "RemoteEntryNotFoundError",
    "RepositoryNotFoundError",
    "Results",
    "RetryPolicy",
    "RevisionNotFoundError",
    "SafetensorsParsingError",
    "Settings",
    "Task",
    "Timeouts",
    "get_hf_file_metadata",
    "hf_hub_download",
    "hf_hub_url",
    "run",
    "snapshot_download",
    "try_to_load_from_cache",
]
