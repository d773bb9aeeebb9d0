"""Authentication and authorization failures; the API turns them into 401/403/429 problems."""

from __future__ import annotations


class AuthError(Exception):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"  # the problem's title: what a person reads first

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredentials(AuthError):
    """Wrong user name or password, or a disabled user (one answer for all three)."""

    code = "invalid_credentials"
    title = "Invalid credentials"


class InvalidToken(AuthError):
    code = "invalid_token"
    title = "Invalid access token"


class InvalidApiKey(AuthError):
    code = "invalid_api_key"
    title = "Invalid API key"


class AuthenticationRequired(AuthError):
    code = "authentication_required"
    title = "Authentication required"


class CredentialsUnverifiable(AuthError):
    """The API keys' database cannot be reached now (the primary lost or being replaced, and
    no replica answers): try again shortly."""

    status = 503
    code = "database_unavailable"
    title = "Service unavailable"
    retry_after_seconds = 5


class Forbidden(AuthError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class CrossSiteRequest(AuthError):
    """A request to the web session routes without the pages' header, or from another origin
    (security.web_session): what a cross-site form or script would send."""

    status = 403
    code = "cross_site_request"
    title = "Cross-site request refused"


class LoginLocked(AuthError):
    status = 429
    code = "login_locked"
    title = "Login locked"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class LoginBackoff(LoginLocked):
    """Too soon after a failed login for this name: the wait doubles with each failure."""

    code = "login_backoff"
    title = "Too many failed logins"


class SecretMissing(Exception):
    """A secret production needs is unset or still a placeholder: refuse to start."""
