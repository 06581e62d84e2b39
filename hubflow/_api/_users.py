"""Users and organisations on the facade: ``whoami``, ``get_full_repo_name`` (the worked example).

```python
api = HfApi(token="hf_alice_write")
api.whoami()["name"]                      # "alice"
api.get_full_repo_name("my-model")        # "alice/my-model"
```
"""

from __future__ import annotations

from typing import Any

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow.errors import HfHubHTTPError, LocalTokenNotFoundError
from hubflow.tasks.users import WhoAmI

__all__ = ["UsersMixin"]


class UsersMixin(AsyncHfApiBase):
    """``whoami`` and ``get_full_repo_name``."""

    async def whoami(self, token: TokenArg = None, *, cache: bool = False) -> dict[str, Any]:
        """The user (or org/app) the token belongs to, as the Hub's JSON dict.

        A token is required: ``token=False``, or no token anywhere, raises
        ``LocalTokenNotFoundError``. ``token`` is a ``TokenArg``. ``cache=True`` reuses this
        instance's earlier answer for the same token (as huggingface_hub).

        ```python
        me = await api.whoami()
        me["name"], [org["name"] for org in me["orgs"]]
        ```
        """
        sent = self.settings.token_to_send(token)
        if sent is None:
            raise LocalTokenNotFoundError(
                "whoami requires a token: pass `token=` or set HF_TOKEN (or log in to write the token file)."
            )
        answers: dict[str | None, dict[str, Any]] = self.__dict__.setdefault("_whoami_answers", {})
        if cache and sent in answers:
            return answers[sent]
        try:
            answers[sent] = answer = await self._run(WhoAmI(token=token))
            return answer
        except HfHubHTTPError as err:
            if err.status_code == 401:
                err.append_to_message("\nInvalid user token. The token you are using seems to be invalid or expired.")
            elif err.status_code == 429:
                err.append_to_message("\nYou are calling whoami too often: cache its result.")
            raise

    async def get_full_repo_name(
        self, model_id: str, *, organization: str | None = None, token: TokenArg = None
    ) -> str:
        """``"{namespace}/{model_id}"``: ``organization`` if given, else the token's user name.

        ```python
        await api.get_full_repo_name("bert", organization="acme")  # "acme/bert"
        ```
        """
        if organization is not None:
            return f"{organization}/{model_id}"
        me = await self.whoami(token=token)
        return f"{me['name']}/{model_id}"
