"""Repository info: `ModelInfo`, `DatasetInfo`, `SpaceInfo`, `KernelInfo` and their parts.

Returned by `GET /api/{models|datasets|spaces}/{repo_id}[/revision/{rev}]` and by the listings
(`GET /api/models`, ...). Decoding is pure msgspec (no per-object Python work), so a listing of
10,000 models decodes in milliseconds; the few values huggingface_hub reshapes
(`inference_provider_mapping`, legacy camelCase aliases) are computed lazily by properties.

```python
info = msgspec.json.decode(body, type=ModelInfo)
info.sha, info.last_modified, [s.rfilename for s in info.siblings or []]
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import DictAccess, Wire
from hubflow.schema._spaces import SpaceRuntime

__all__ = [
    "BlobLfsInfo",
    "DatasetInfo",
    "InferenceProviderMapping",
    "KernelInfo",
    "ModelInfo",
    "RepoSibling",
    "SafeTensorsInfo",
    "SpaceInfo",
    "TransformersInfo",
]


class BlobLfsInfo(Wire, DictAccess, frozen=True):
    """LFS pointer facts of a file: real `size`, content `sha256`, `pointer_size`.

    Wire (siblings): `{"size": 5, "sha256": "<hex>", "pointerSize": 130}`.

    ```python
    lfs = BlobLfsInfo(size=5, sha256="ab" * 32, pointer_size=130)
    ```
    """

    size: int
    sha256: str
    pointer_size: int = 0


class TransformersInfo(Wire, DictAccess, frozen=True):
    """Transformers facts of a model (`transformersInfo`); snake_case on the wire too.

    ```python
    TransformersInfo(auto_model="AutoModel").auto_model
    ```
    """

    auto_model: str = msgspec.field(name="auto_model")
    custom_class: str | None = msgspec.field(default=None, name="custom_class")
    pipeline_tag: str | None = msgspec.field(default=None, name="pipeline_tag")
    processor: str | None = None


class SafeTensorsInfo(Wire, DictAccess, frozen=True):
    """Parameter counts of a model: `{"parameters": {"F16": 123}, "total": 123}`.

    ```python
    SafeTensorsInfo(parameters={"F16": 3}, total=3).total
    ```
    """

    parameters: dict[str, int]
    total: int


class RepoSibling(Wire, frozen=True):
    """One file of a repository as listed in repo info (`siblings[]`).

    ```python
    RepoSibling(rfilename="config.json", size=519)
    ```
    """

    rfilename: str
    size: int | None = None
    blob_id: str | None = None
    lfs: BlobLfsInfo | None = None


class InferenceProviderMapping(Wire, frozen=True):
    """One provider serving a model (built from `inferenceProviderMapping`).

    ```python
    m = InferenceProviderMapping(provider="p", hf_model_id="a/m", provider_id="x", status="live", task="t")
    ```
    """

    provider: str
    hf_model_id: str
    provider_id: str
    status: str
    task: str
    adapter: str | None = None
    adapter_weights_path: str | None = None
    type: str | None = None


def _provider_mappings(model_id: str, raw: Any) -> list[InferenceProviderMapping] | None:
    # model_info sends an object keyed by provider, list_models an array: normalise to a list.
    if raw is None:
        return None
    items: list[tuple[str, dict[str, Any]]]
    if isinstance(raw, dict):
        items = [(provider, value) for provider, value in raw.items()]
    elif isinstance(raw, list):
        items = [(value["provider"], value) for value in raw]
    else:
        raise ValueError(f"Unexpected type for `inferenceProviderMapping`: {raw!r}")
    return [
        InferenceProviderMapping(
            provider=provider,
            hf_model_id=model_id,
            provider_id=value["providerId"],
            status=value["status"],
            task=value["task"],
            adapter=value.get("adapter"),
            adapter_weights_path=value.get("adapterWeightsPath"),
            type=value.get("type"),
        )
        for provider, value in items
    ]


class _RepoInfo(Wire, frozen=True):
    """Fields common to model, dataset and Space info."""

    id: str
    author: str | None = None
    sha: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    private: bool | None = None
    gated: bool | str | None = None
    disabled: bool | None = None
    likes: int | None = None
    tags: list[str] | None = None
    trending_score: int | None = None
    used_storage: int | None = None
    card_data: dict[str, Any] | None = None
    siblings: list[RepoSibling] | None = None
    resource_group: dict[str, Any] | None = None

    @property
    def lastModified(self) -> datetime | None:
        """Legacy alias of `last_modified`."""
        return self.last_modified

    @property
    def cardData(self) -> dict[str, Any] | None:
        """Legacy alias of `card_data`."""
        return self.card_data


class ModelInfo(_RepoInfo, frozen=True):
    """A model repository (`model_info`, `list_models`).

    ```python
    info = msgspec.json.decode(b'{"id": "alice/m1", "pipeline_tag": "fill-mask"}', type=ModelInfo)
    assert info.pipeline_tag == "fill-mask"
    ```
    """

    downloads: int | None = None
    downloads_all_time: int | None = None
    library_name: str | None = msgspec.field(default=None, name="library_name")
    pipeline_tag: str | None = msgspec.field(default=None, name="pipeline_tag")
    mask_token: str | None = msgspec.field(default=None, name="mask_token")
    gguf: dict[str, Any] | None = None
    inference: str | None = None
    inference_provider_mapping_raw: dict[str, Any] | list[Any] | None = msgspec.field(
        default=None, name="inferenceProviderMapping"
    )
    widget_data: Any = None
    model_index: Any = msgspec.field(default=None, name="model-index")
    config: dict[str, Any] | None = None
    transformers_info: TransformersInfo | None = None
    spaces: list[str] | None = None
    safetensors: SafeTensorsInfo | None = None
    security_repo_status: dict[str, Any] | None = None
    eval_results: list[Any] | None = None
    base_models: list[str] | None = None
    children_model_count: int | None = None

    @property
    def inference_provider_mapping(self) -> list[InferenceProviderMapping] | None:
        """Providers serving the model, as a list whatever the wire form (object or array)."""
        return _provider_mappings(self.id, self.inference_provider_mapping_raw)

    @property
    def transformersInfo(self) -> TransformersInfo | None:
        """Legacy alias of `transformers_info`."""
        return self.transformers_info


class DatasetInfo(_RepoInfo, frozen=True):
    """A dataset repository (`dataset_info`, `list_datasets`).

    ```python
    msgspec.json.decode(b'{"id": "alice/d1", "mainSize": 10}', type=DatasetInfo).main_size  # 10
    ```
    """

    downloads: int | None = None
    downloads_all_time: int | None = None
    main_size: int | None = None
    paperswithcode_id: str | None = msgspec.field(default=None, name="paperswithcode_id")
    citation: str | None = None
    description: str | None = None


class SpaceInfo(_RepoInfo, frozen=True):
    """A Space repository (`space_info`, `list_spaces`).

    ```python
    msgspec.json.decode(b'{"id": "alice/s1", "sdk": "gradio"}', type=SpaceInfo).sdk  # "gradio"
    ```
    """

    host: str | None = None
    subdomain: str | None = None
    sdk: str | None = None
    runtime: SpaceRuntime | None = None
    models: list[str] | None = None
    datasets: list[str] | None = None
    region: str | None = None


class KernelInfo(Wire, frozen=True):
    """A kernel repository (`kernel_info`).

    ```python
    msgspec.json.decode(b'{"id": "alice/k1"}', type=KernelInfo).id
    ```
    """

    id: str
    author: str | None = None
    downloads: int | None = None
    gated: bool | str | None = None
    last_modified: datetime | None = None
    likes: int | None = None
    private: bool | None = None
    sha: str | None = None

    @property
    def lastModified(self) -> datetime | None:
        """Legacy alias of `last_modified`."""
        return self.last_modified
