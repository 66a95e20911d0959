"""Local accounts: argon2id password hashes, roles, and sign-in with a lockout after failures.

Used by the web app (sign-in, the Admin page) and the command line (``civicgrid user add|remove|
set-role``). Every change is written to the audit log by the caller-supplied ``actor``.
Passwords are never stored or logged; only argon2-cffi hashes are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from civicgrid.appstate import ROLES, User, session_scope
from civicgrid.web import audit

_HASHER = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
#: verified against when the user does not exist, so timing does not reveal valid user names
_DUMMY_HASH = _HASHER.hash("civicgrid-timing-equaliser")


class AccountError(ValueError):
    """A user-facing problem with an account operation (unknown user, weak password, bad role)."""


@dataclass(frozen=True)
class Account:
    """What the web app needs to know about a signed-in user."""

    id: int
    username: str
    role: str
    display_name: str | None
    password_fingerprint: str  # changes when the password changes: old sessions stop working


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def fingerprint(password_hash: str) -> str:
    import hashlib

    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _account(u: User) -> Account:
    return Account(u.id, u.username, u.role, u.display_name, fingerprint(u.password_hash))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _HASHER.hash(password)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")


def _check_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise AccountError(f"password too short: use at least {min_length} characters")


def add_user(app_db, username: str, password: str, role: str, *, display_name: str | None = None,
             actor: str = "system", min_length: int = 10, ip: str | None = None) -> Account:
    """Create an account. Raises AccountError for a taken name, a bad role or a short password."""
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("user name must be 1-100 characters without spaces")
    _check_role(role)
    _check_password(password, min_length)
    with session_scope(app_db) as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise AccountError(f"user {username!r} already exists")
        u = User(username=username, display_name=display_name, password_hash=hash_password(password),
                 role=role, active=True, failed_logins=0)
        s.add(u)
        s.flush()
        acc = _account(u)
    audit.record(app_db, actor, "user.add", "user", username, {"role": role}, ip)
    return acc


def _get(s, username: str) -> User:
    u = s.scalar(select(User).where(User.username == username))
    if u is None:
        raise AccountError(f"no user {username!r}")
    return u


def remove_user(app_db, username: str, *, actor: str = "system", ip: str | None = None) -> None:
    """Delete an account (its audit rows stay). Raises AccountError for an unknown user."""
    with session_scope(app_db) as s:
        s.delete(_get(s, username))
    audit.record(app_db, actor, "user.remove", "user", username, None, ip)


def set_role(app_db, username: str, role: str, *, actor: str = "system", ip: str | None = None) -> None:
    """Change an account's role; it applies to the user's next request."""
    _check_role(role)
    with session_scope(app_db) as s:
        u = _get(s, username)
        old = u.role
        u.role = role
    audit.record(app_db, actor, "user.set_role", "user", username, {"from": old, "to": role}, ip)


def set_password(app_db, username: str, password: str, *, actor: str = "system", min_length: int = 10,
                 ip: str | None = None) -> None:
    """Replace a password (signs the user out everywhere) and clear any lockout."""
    _check_password(password, min_length)
    with session_scope(app_db) as s:
        u = _get(s, username)
        u.password_hash = hash_password(password)
        u.failed_logins, u.locked_until = 0, None
    audit.record(app_db, actor, "user.set_password", "user", username, None, ip)


def unlock(app_db, username: str, *, actor: str = "system", ip: str | None = None) -> None:
    """Clear the failed-login counter and lock of an account."""
    with session_scope(app_db) as s:
        u = _get(s, username)
        u.failed_logins, u.locked_until = 0, None
    audit.record(app_db, actor, "user.unlock", "user", username, None, ip)


def list_users(app_db) -> list[dict]:
    """Every account (no hashes), by user name."""
    with session_scope(app_db) as s:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role, "active": u.active,
                 "created_at": _aware(u.created_at), "last_login_at": _aware(u.last_login_at),
                 "failed_logins": u.failed_logins, "locked_until": _aware(u.locked_until)}
                for u in s.scalars(select(User).order_by(User.username))]


def get_account(app_db, user_id: int) -> Account | None:
    """The active account with this id, else None."""
    with session_scope(app_db) as s:
        u = s.get(User, user_id)
        return _account(u) if u is not None and u.active else None


def authenticate(app_db, username: str, password: str, *, max_failed: int = 5, lockout_minutes: float = 15,
                 ip: str | None = None) -> tuple[Account | None, str]:
    """Check a sign-in. Returns ``(account, "ok")`` or ``(None, reason)`` with reason ``bad``/``locked``.

    Each failure increments ``failed_logins``; reaching ``max_failed`` locks the account for
    ``lockout_minutes`` (``locked_until``), during which even the right password is refused.
    Success resets the counter. Every outcome is audited (``login.ok``, ``login.fail``, ``login.locked``).
    """
    now = _now()
    with session_scope(app_db) as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None or not u.active:
            try:
                _HASHER.verify(_DUMMY_HASH, password + "x")
            except VerificationError:
                pass
            outcome, acc = "bad", None
        elif _aware(u.locked_until) is not None and _aware(u.locked_until) > now:
            outcome, acc = "locked", None
        else:
            try:
                _HASHER.verify(u.password_hash, password)
                ok = True
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok:
                if _HASHER.check_needs_rehash(u.password_hash):
                    u.password_hash = hash_password(password)
                u.failed_logins, u.locked_until, u.last_login_at = 0, None, now
                outcome, acc = "ok", _account(u)
            else:
                u.failed_logins = (u.failed_logins or 0) + 1
                if u.failed_logins >= max_failed:
                    u.locked_until = now + timedelta(minutes=lockout_minutes)
                    u.failed_logins = 0
                    outcome = "locked_now"
                else:
                    outcome = "bad"
                acc = None
    action = {"ok": "login.ok", "bad": "login.fail", "locked": "login.locked", "locked_now": "login.lock"}[outcome]
    audit.record(app_db, username if u is not None else None, action, "user", username, None, ip)
    return acc, ("locked" if outcome.startswith("locked") else outcome)
