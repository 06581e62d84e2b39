"""Task nodes: one module per Hub area, all built on ``Task[T]`` and ``Endpoint[T]``.

Area modules (``repos``, ``files``, ``commits``, ...) add their node classes here by
re-exporting them below; see ``hubflow/tasks/_base.py`` for how to write one.

```python
from hubflow.tasks import WhoAmI
```
"""

from __future__ import annotations

from hubflow.graph._context import Context
from hubflow.tasks._base import Endpoint, Task, result_type_of
from hubflow.tasks.commits import Commit, CopySpec, DeleteSpec, PreuploadedFile
from hubflow.tasks.downloads import DownloadFile, ListSnapshotFiles, ResolveRevision
from hubflow.tasks.hashing import (
    FileSample,
    HashBatch,
    HashFile,
    SampleBatch,
    SampleFile,
    Source,
    file_source,
    memory_source,
)
from hubflow.tasks.lfs import (
    CompleteLfsMultipart,
    FetchUploadModes,
    FileMode,
    FileToUpload,
    LfsBatch,
    LfsItem,
    RepoTarget,
    UploadLfsObject,
    UploadLfsPart,
    UploadsDone,
)
from hubflow.tasks.listing import (
    GetPathsInfo,
    ListDatasets,
    ListLfsFiles,
    ListModels,
    ListRepoTree,
    ListSpaces,
    PermanentlyDeleteLfsFiles,
)
from hubflow.tasks.refs import (
    CreateBranch,
    CreateTag,
    DeleteBranch,
    DeleteTag,
    ListRepoCommits,
    ListRepoRefs,
    SuperSquashHistory,
)
from hubflow.tasks.repos import AuthCheck, CreateRepo, DeleteRepo, MoveRepo, RepoInfo, UpdateRepoSettings
from hubflow.tasks.users import WhoAmI

__all__ = ["Context", "Endpoint", "Task", "WhoAmI", "result_type_of"]

__all__ += [  # repos / listing / refs
    "AuthCheck", "CreateBranch", "CreateRepo", "CreateTag", "DeleteBranch", "DeleteRepo", "DeleteTag",
    "GetPathsInfo", "ListDatasets", "ListLfsFiles", "ListModels", "ListRepoCommits", "ListRepoRefs",
    "ListRepoTree", "ListSpaces", "MoveRepo", "PermanentlyDeleteLfsFiles", "RepoInfo", "SuperSquashHistory",
    "UpdateRepoSettings",
]

__all__ += [  # commits / upload pipeline
    "Commit", "CompleteLfsMultipart", "CopySpec", "DeleteSpec", "FetchUploadModes", "FileMode", "FileSample",
    "FileToUpload", "HashBatch", "HashFile", "LfsBatch", "LfsItem", "PreuploadedFile", "RepoTarget", "SampleBatch",
    "SampleFile", "Source", "UploadLfsObject", "UploadLfsPart", "UploadsDone", "file_source", "memory_source",
]

__all__ += ["DownloadFile", "ListSnapshotFiles", "ResolveRevision"]  # downloads

from hubflow.tasks.papers import GetPaperInfo, ListDailyPapers, ListPapers, ReadPaper  # noqa: E402
from hubflow.tasks.spaces import (  # noqa: E402
    AddSpaceSecret,
    AddSpaceVariable,
    DeleteSpaceSecret,
    DeleteSpaceVariable,
    DeleteSpaceVolumes,
    DuplicateRepo,
    FetchSpaceLogs,
    GetSpaceRuntime,
    GetSpaceSecrets,
    GetSpaceVariables,
    ListSpacesHardware,
    ListSpaceTemplates,
    PauseSpace,
    RequestSpaceHardware,
    RestartSpace,
    SetSpaceDevMode,
    SetSpaceSleepTime,
    SetSpaceVolumes,
)
from hubflow.tasks.webhooks import (  # noqa: E402
    CreateWebhook,
    DeleteWebhook,
    GetWebhook,
    ListWebhooks,
    SetWebhookEnabled,
    UpdateWebhook,
)

__all__ += [  # spaces / webhooks / papers
    "AddSpaceSecret", "AddSpaceVariable", "CreateWebhook", "DeleteSpaceSecret", "DeleteSpaceVariable",
    "DeleteSpaceVolumes", "DeleteWebhook", "DuplicateRepo", "FetchSpaceLogs", "GetPaperInfo", "GetSpaceRuntime",
    "GetSpaceSecrets", "GetSpaceVariables", "GetWebhook", "ListDailyPapers", "ListPapers", "ListSpaceTemplates",
    "ListSpacesHardware", "ListWebhooks", "PauseSpace", "ReadPaper", "RequestSpaceHardware", "RestartSpace",
    "SetSpaceDevMode", "SetSpaceSleepTime", "SetSpaceVolumes", "SetWebhookEnabled", "UpdateWebhook",
]

from hubflow.tasks.access import GrantAccess, HandleAccessRequest, ListAccessRequests  # noqa: E402
from hubflow.tasks.collections import (  # noqa: E402
    AddCollectionItem,
    CreateCollection,
    DeleteCollection,
    DeleteCollectionItem,
    GetCollection,
    ListCollections,
    UpdateCollectionItem,
    UpdateCollectionMetadata,
)
from hubflow.tasks.discussions import (  # noqa: E402
    ChangeDiscussionStatus,
    CommentDiscussion,
    CreateDiscussion,
    EditDiscussionComment,
    GetDiscussionDetails,
    GetDiscussionsPage,
    HideDiscussionComment,
    MergePullRequest,
    RenameDiscussion,
    UploadAttachment,
)
from hubflow.tasks.users_orgs import (  # noqa: E402
    GetOrganizationOverview,
    GetUserOverview,
    LikeRepo,
    ListLikedRepos,
    ListOrganizationFollowers,
    ListOrganizationMembers,
    ListRepoLikers,
    ListUserFollowers,
    ListUserFollowing,
    ListUserRepos,
    UnlikeRepo,
)

__all__ += [  # discussions, collections, gated-repo access, users/orgs/likes
    "AddCollectionItem", "ChangeDiscussionStatus", "CommentDiscussion", "CreateCollection", "CreateDiscussion",
    "DeleteCollection", "DeleteCollectionItem", "EditDiscussionComment", "GetCollection", "GetDiscussionDetails",
    "GetDiscussionsPage", "GetOrganizationOverview", "GetUserOverview", "GrantAccess", "HandleAccessRequest",
    "HideDiscussionComment", "LikeRepo", "ListAccessRequests", "ListCollections", "ListLikedRepos",
    "ListOrganizationFollowers", "ListOrganizationMembers", "ListRepoLikers", "ListUserFollowers",
    "ListUserFollowing", "MergePullRequest", "RenameDiscussion", "UnlikeRepo", "UpdateCollectionItem",
    "UpdateCollectionMetadata",
]
__all__ += ["ListUserRepos", "UploadAttachment"]  # storage usage per repo, discussion attachments

from hubflow.tasks.endpoints import (  # noqa: E402
    CreateInferenceEndpoint,
    DeleteInferenceEndpoint,
    GetInferenceEndpoint,
    ListInferenceEndpoints,
    ListInferenceEndpointsHardware,
    PauseInferenceEndpoint,
    ResumeInferenceEndpoint,
    ScaleToZeroInferenceEndpoint,
    UpdateInferenceEndpoint,
)
from hubflow.tasks.jobs import (  # noqa: E402
    CancelJob,
    CreateScheduledJob,
    DeleteScheduledJob,
    InspectJob,
    InspectScheduledJob,
    ListJobs,
    ListJobsHardware,
    ListScheduledJobs,
    RerunJob,
    ResumeScheduledJob,
    RunJob,
    SuspendScheduledJob,
    TriggerScheduledJob,
    UpdateJobExpose,
    UpdateJobLabels,
    UpdateScheduledJobLabels,
    UpdateScheduledJobSchedule,
)

__all__ += [  # jobs, scheduled jobs, inference endpoints
    "CancelJob", "CreateInferenceEndpoint", "CreateScheduledJob", "DeleteInferenceEndpoint", "DeleteScheduledJob",
    "GetInferenceEndpoint", "InspectJob", "InspectScheduledJob", "ListInferenceEndpoints",
    "ListInferenceEndpointsHardware", "ListJobs", "ListJobsHardware", "ListScheduledJobs", "PauseInferenceEndpoint",
    "RerunJob", "ResumeInferenceEndpoint", "ResumeScheduledJob", "RunJob", "ScaleToZeroInferenceEndpoint",
    "SuspendScheduledJob", "TriggerScheduledJob", "UpdateInferenceEndpoint", "UpdateJobExpose", "UpdateJobLabels",
    "UpdateScheduledJobLabels", "UpdateScheduledJobSchedule",
]

from hubflow.tasks.misc import (  # noqa: E402 - compatibility nodes, appended by their area
    GetDatasetTags,
    GetModelTags,
    GetShardedSafetensorsMetadata,
    GetZeroGpuQuota,
    SearchSpaces,
    ShardedSafetensorsAnswer,
)

__all__ += [  # compatibility: tags, sharded safetensors metadata, Space search, ZeroGPU quota
    "GetDatasetTags", "GetModelTags", "GetShardedSafetensorsMetadata", "GetZeroGpuQuota", "SearchSpaces",
    "ShardedSafetensorsAnswer",
]
