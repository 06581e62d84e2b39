"""Response → exception mapping (core.md §2.1 rows) and message assembly (§2.2)."""

from __future__ import annotations

import pickle

import httpx
import pytest

from hubflow import errors
from hubflow.errors import (
    BadRequestError,
    CommitConflictError,
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    HubflowError,
    JobNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    raise_for_status,
)

API = "https://hub.example/api/models/alice/model/revision/main"
HTTP_API = "http://127.0.0.1:8000/api/models/alice/model"


def _response(status: int, url: str = API, headers: dict[str, str] | None = None, **kw: object) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", url), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "url", "headers", "expected"),
    [
        (404, API, {"X-Error-Code": "RevisionNotFound"}, RevisionNotFoundError),
        (404, API, {"X-Error-Code": "EntryNotFound"}, RemoteEntryNotFoundError),
        (403, API, {"X-Error-Code": "GatedRepo"}, GatedRepoError),
        (401, API, {"X-Error-Code": "GatedRepo"}, GatedRepoError),
        (403, API, {"X-Error-Message": "Access to this resource is disabled."}, DisabledRepoError),
        (404, "https://hub.example/api/jobs/alice/abc123", {}, JobNotFoundError),
        (404, API, {"X-Error-Code": "RepoNotFound"}, RepositoryNotFoundError),
        (401, HTTP_API, {"X-Error-Code": "RepoNotFound"}, RepositoryNotFoundError),
        (401, API, {}, RepositoryNotFoundError),  # 401 on an https repo URL
        (401, HTTP_API, {}, HfHubHTTPError),  # ... but not on http (as huggingface_hub)
        (401, API, {"X-Error-Message": "Invalid credentials in Authorization header"}, HfHubHTTPError),
        (404, API, {}, HfHubHTTPError),  # no X-Error-Code: never specific
        (400, API, {}, BadRequestError),
        (403, API, {}, HfHubHTTPError),
        (412, API, {}, CommitConflictError),
        (429, API, {}, HfHubHTTPError),
        (416, API, {}, HfHubHTTPError),
        (500, API, {}, HfHubHTTPError),
    ],
)
def test_mapping_table(status: int, url: str, headers: dict[str, str], expected: type[Exception]) -> None:
    with pytest.raises(HfHubHTTPError) as info:
        raise_for_status(_response(status, url, headers))
    assert type(info.value) is expected
    assert isinstance(info.value, HubflowError) and isinstance(info.value, OSError)
    assert info.value.status_code == status


@pytest.mark.parametrize("status", [200, 201, 204, 302, 304])
def test_success_and_redirects_do_not_raise(status: int) -> None:
    raise_for_status(_response(status))


def test_repo_attributes_parsed_from_url() -> None:
    with pytest.raises(RepositoryNotFoundError) as info:
        raise_for_status(_response(404, "https://h/api/datasets/acme/data/tree/main", {"X-Error-Code": "RepoNotFound"}))
    assert (info.value.repo_type, info.value.repo_id) == ("dataset", "acme/data")
    with pytest.raises(RemoteEntryNotFoundError) as entry:
        raise_for_status(_response(404, "https://h/spaces/bob/demo/resolve/main/app.py", {"X-Error-Code": "EntryNotFound"}))
    assert (entry.value.repo_type, entry.value.repo_id) == ("space", "bob/demo")
    assert isinstance(entry.value, EntryNotFoundError)


def test_message_has_server_text_and_request_id() -> None:
    response = _response(
        500,
        headers={"X-Request-Id": "req-42", "X-Error-Message": "boom"},
        json={"error": ["boom", "second"], "errors": [{"message": "third"}]},
    )
    with pytest.raises(HfHubHTTPError) as info:
        raise_for_status(response)
    err = info.value
    assert err.request_id == "req-42"
    assert err.server_message == "boom\nsecond\nthird"  # de-duplicated, in order
    first_line = str(err).splitlines()[0]
    assert "(Request ID: req-42)" in first_line
    assert "third" in str(err)


def test_oauth_style_and_plain_text_bodies() -> None:
    with pytest.raises(HfHubHTTPError) as info:
        raise_for_status(_response(400, json={"error": "invalid_grant", "error_description": "expired"}))
    assert info.value.server_message == "invalid_grant: expired"
    with pytest.raises(HfHubHTTPError) as text:
        raise_for_status(_response(502, text="upstream down", headers={"content-type": "text/plain"}))
    assert text.value.server_message == "upstream down"
    with pytest.raises(HfHubHTTPError) as html:
        raise_for_status(_response(502, text="<html>x</html>", headers={"content-type": "text/html"}))
    assert html.value.server_message is None


def test_bad_request_names_endpoint() -> None:
    with pytest.raises(BadRequestError, match="Bad request for commit endpoint") as info:
        raise_for_status(_response(400, json={"error": "no"}), endpoint_name="commit")
    assert isinstance(info.value, ValueError)


def test_ratelimit_message() -> None:
    headers = {"RateLimit": '"api";r=0;t=55', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
    with pytest.raises(HfHubHTTPError, match="'api' rate limit") as info:
        raise_for_status(_response(429, headers=headers))
    assert "Retry after 55 seconds" in str(info.value)
    assert errors.parse_ratelimit(httpx.Headers(headers)) == ("api", 0, 55)


def test_http_errors_pickle() -> None:
    with pytest.raises(RevisionNotFoundError) as info:
        raise_for_status(_response(404, headers={"X-Error-Code": "RevisionNotFound"}))
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is RevisionNotFoundError
    assert clone.repo_id == "alice/model" and str(clone) == str(info.value)
