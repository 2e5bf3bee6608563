"""Typed readers for settings taken from environment variables; each fails with a clear message."""
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def forwarded_address_settings(proxies: int) -> tuple[int | None, list[str]]:
    """django-ipware's proxy count and header order for `proxies` reverse proxies in front of the app.

    Each proxy appends the address it saw to X-Forwarded-For and the last one is REMOTE_ADDR, so the client is the
    `proxies`-th entry from the right; ipware counts only the proxies listed after the client in the header.
    """
    if proxies < 0:
        raise ImproperlyConfigured(f"DJANGO_PROXY_COUNT must be 0 or more; got {proxies}.")
    if proxies == 0:
        return None, ["REMOTE_ADDR"]
    return proxies - 1, ["HTTP_X_FORWARDED_FOR"]


WEAK_KEY_MARKERS = ("insecure", "change-me", "changeme", "dev-only", "secret")


def secret_key(debug: bool) -> str:
    """The secret key; outside debug mode it must be long, varied and not a placeholder."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if debug and key:
        return key
    if debug:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set (`make run` sets a development key for you).")
    weak = len(key) < 50 or len(set(key)) < 5 or any(m in key.lower() for m in WEAK_KEY_MARKERS)
    if weak:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a real secret in production: at least 50 random characters, "
            "not a placeholder. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    return key
