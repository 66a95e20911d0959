"""What the section models share: strictness (a typo'd key is an error) and regex checking."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A settings model that rejects unknown keys, so a typo in city.yaml is reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


def check_regex(v: str | None) -> str | None:
    """Validate an optional regular expression (pydantic validator body).

    Raises:
        ValueError: the pattern does not compile; the message gives the reason.
    """
    if v is not None:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
    return v
