"""The ``alerts:`` section of ``city.yaml``: where alerts go and when a run is worth one.

Example::

    alerts:
      email:
        host: smtp.city.example
        port: 587
        starttls: true
        username: civicgrid
        password_env: CIVICGRID_SMTP_PASSWORD
        sender: civicgrid@city.example
        to: [data-team@city.example]
      webhook:
        url: https://chat.city.example/hooks/abc
      quarantine_share: 0.05

This module must not import :mod:`civicgrid.config` (it is imported by it).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from civicgrid.settings.base import Strict


class EmailSettings(Strict):
    """SMTP delivery (``smtplib``). The password is read from an environment variable, never the YAML."""

    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(description="From: address")
    to: list[str] = Field(min_length=1)
    starttls: bool = False
    ssl: bool = Field(default=False, description="SMTP over TLS from the start (port 465)")
    username: str | None = None
    password_env: str | None = Field(default=None, description="environment variable holding the SMTP password")
    timeout: float = Field(default=20.0, gt=0)


class WebhookSettings(Strict):
    """POST the alerts as JSON (``{"text": …, "alerts": […]}``: Slack/Teams/Mattermost-compatible ``text``)."""

    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=20.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


class AlertSettings(Strict):
    """When to alert and where to send it. Every alert is also written to the run log."""

    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    quarantine_share: float = Field(default=0.05, ge=0, le=1,
                                    description="alert when more than this share of a source's new rows is quarantined")
    quarantine_factor: float = Field(default=3.0, ge=1,
                                     description="… or when the share is this many times the previous run's")
    quarantine_min_rows: int = Field(default=10, ge=0, description="ignore quarantine jumps below this many rows")
    match_rate_drop: float = Field(default=0.10, ge=0, le=1,
                                   description="alert when a source's linked share falls by more than this")
    repeat_hours: float = Field(default=24.0, ge=0,
                                description="send the same alert (kind + source) at most once in this many hours")
