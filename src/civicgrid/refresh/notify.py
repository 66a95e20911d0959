"""Send alerts: e-mail over SMTP (``smtplib``) and/or a webhook (JSON POST with ``httpx``).

Delivery never raises into a refresh: each channel's outcome is returned as one line
(``email: sent to 2 recipient(s)`` / ``webhook: failed (...)``) and written to the run log.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

import httpx

from civicgrid.refresh.alerts import Alert
from civicgrid.settings.alerts import AlertSettings, EmailSettings, WebhookSettings


class DeliveryError(RuntimeError):
    """An alert could not be delivered; the message names the channel and the cause."""


def compose(city: str, alerts: list[Alert], run_id: str | None) -> tuple[str, str]:
    """Subject and plain-text body for a batch of alerts."""
    errors = sum(a.severity == "error" for a in alerts)
    subject = f"[civicgrid] {city}: {len(alerts)} alert(s)" + (f", {errors} error(s)" if errors else "")
    lines = [f"civicgrid refresh {run_id or ''} for {city}".strip(), ""]
    lines += [f"- [{a.severity}] {a.kind}: {a.message}" for a in alerts]
    lines += ["", "Details: `civicgrid status --db …` and the run log (<db>.runs.jsonl)."]
    return subject, "\n".join(lines)


def send_email(cfg: EmailSettings, subject: str, body: str) -> str:
    """Send one plain-text message. Raises :class:`DeliveryError`."""
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, cfg.sender, ", ".join(cfg.to)
    msg.set_content(body)
    password = os.environ.get(cfg.password_env) if cfg.password_env else None
    if cfg.password_env and not password:
        raise DeliveryError(f"email: environment variable {cfg.password_env} (password_env) is not set")
    try:
        if cfg.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with smtp:
            if cfg.starttls and not cfg.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.username:
                smtp.login(cfg.username, password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"email via {cfg.host}:{cfg.port} failed ({type(exc).__name__}: {exc})") from exc
    return f"email: sent to {len(cfg.to)} recipient(s)"


def send_webhook(cfg: WebhookSettings, payload: dict) -> str:
    """POST ``payload`` as JSON. Raises :class:`DeliveryError` on a network error or a non-2xx answer."""
    try:
        resp = httpx.post(cfg.url, json=payload, headers=cfg.headers, timeout=cfg.timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {cfg.url} failed ({type(exc).__name__}: {exc})") from exc
    if resp.status_code >= 300:
        raise DeliveryError(f"webhook {cfg.url} answered HTTP {resp.status_code}")
    return f"webhook: HTTP {resp.status_code}"


def deliver(settings: AlertSettings | None, city: str, alerts: list[Alert], run_id: str | None = None) -> tuple[list[str], bool]:
    """Send ``alerts`` through every configured channel.

    Returns:
        ``(one outcome line per channel, True if at least one channel delivered)``. With no
        channel configured the alerts are only in the run log: ``(["no channel configured"], False)``.
    """
    if not alerts:
        return [], False
    if settings is None or (settings.email is None and settings.webhook is None):
        return ["no alert channel configured (alerts: email / webhook); alerts are in the run log only"], False
    subject, body = compose(city, alerts, run_id)
    outcomes, ok = [], False
    if settings.email is not None:
        try:
            outcomes.append(send_email(settings.email, subject, body))
            ok = True
        except DeliveryError as exc:
            outcomes.append(str(exc))
    if settings.webhook is not None:
        payload = {"text": f"{subject}\n" + "\n".join(f"- {a.message}" for a in alerts), "city": city,
                   "run_id": run_id, "alerts": [a.as_dict() for a in alerts]}
        try:
            outcomes.append(send_webhook(settings.webhook, payload))
            ok = True
        except DeliveryError as exc:
            outcomes.append(str(exc))
    return outcomes, ok
