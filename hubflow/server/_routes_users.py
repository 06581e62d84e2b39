"""Placeholder: routes land in the next step."""

from __future__ import annotations

from hubflow.server._router import Router

router = Router()
