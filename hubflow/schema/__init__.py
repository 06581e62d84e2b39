"""Wire types of the Hub HTTP API: frozen msgspec Structs with huggingface_hub's attribute names.

Every type is decoded straight from a response body; unknown keys are ignored.

```python
import msgspec
from hubflow.schema import ModelInfo

info = msgspec.json.decode(body, type=ModelInfo)
print(info.id, info.sha, info.last_modified)
```
"""

from __future__ import annotations

from hubflow.schema._base import DictAccess, Wire
from hubflow.schema._commits import CommitInfo, CommitResponse, commit_info_from_response
from hubflow.schema._files import (
    BlobSecurityInfo,
    LastCommitInfo,
    RepoFile,
    RepoFolder,
    RepoTreeEntry,
    TreeLfsInfo,
)
from hubflow.schema._git import GitCommitAuthor, GitCommitFormatted, GitCommitInfo, GitRefInfo, GitRefs
from hubflow.schema._repos import (
    BlobLfsInfo,
    DatasetInfo,
    InferenceProviderMapping,
    KernelInfo,
    ModelInfo,
    RepoSibling,
    SafeTensorsInfo,
    SpaceInfo,
    TransformersInfo,
)
from hubflow.schema._spaces import (
    SpaceHardware,
    SpaceHotReloading,
    SpaceRuntime,
    SpaceSecret,
    SpaceStage,
    SpaceStorage,
    SpaceTemplate,
    SpaceVariable,
    Volume,
    ZeroGpuQuota,
    space_secrets_from_json,
    space_variables_from_json,
)
from hubflow.schema._urls import (
    CreateRepoResponse,
    DuplicatedRepoUrl,
    DuplicateRepoResponse,
    RepoUrl,
    dec_hook,
    enc_hook,
)

__all__ = [
    "BlobLfsInfo",
    "BlobSecurityInfo",
    "CommitInfo",
    "CommitResponse",
    "CreateRepoResponse",
    "DatasetInfo",
    "DictAccess",
    "DuplicateRepoResponse",
    "DuplicatedRepoUrl",
    "GitCommitAuthor",
    "GitCommitFormatted",
    "GitCommitInfo",
    "GitRefInfo",
    "GitRefs",
    "InferenceProviderMapping",
    "KernelInfo",
    "LastCommitInfo",
    "ModelInfo",
    "RepoFile",
    "RepoFolder",
    "RepoSibling",
    "RepoTreeEntry",
    "RepoUrl",
    "SafeTensorsInfo",
    "SpaceHardware",
    "SpaceHotReloading",
    "SpaceInfo",
    "SpaceRuntime",
    "SpaceSecret",
    "SpaceStage",
    "SpaceStorage",
    "SpaceTemplate",
    "SpaceVariable",
    "TransformersInfo",
    "TreeLfsInfo",
    "Volume",
    "Wire",
    "ZeroGpuQuota",
    "commit_info_from_response",
    "dec_hook",
    "enc_hook",
    "space_secrets_from_json",
    "space_variables_from_json",
]
