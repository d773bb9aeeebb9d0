"""The web pages' sessions (security.web_session) through the real app, on both backends: the
refresh token only ever in an HttpOnly, Secure, SameSite=Strict cookie scoped to the session
routes, rotated on each refresh (reuse ends the session), cleared on logout, and every route
refusing what a cross-site form or script would send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import httpx
import pytest

from hotelreviews.core.settings import Settings
from hotelreviews.security import service
from tests.support.api_client import TEST_HOST, api_client

PASSWORD = "correct horse battery staple"
SESSION, REFRESH = "/web/session", "/web/session/refresh"
ME = "/api/v1/auth/me"
PAGES = {"X-Requested-With": "hotelreviews"}
CREDENTIALS = {"username": "mia", "password": PASSWORD}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        engine = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]
        await service.create_user(
            engine=engine, username="mia", password=PASSWORD, roles=frozenset({"manager"})
        )
        yield client


def session_cookie(response: httpx.Response) -> SimpleCookie:
    """The Set-Cookie of the session cookie, parsed (httpx's jar would keep a Secure cookie
    from an http:// test client to itself, so the tests carry the cookie by hand)."""
    [header] = [
        value for value in response.headers.get_list("set-cookie") if value.startswith("hr_")
    ]
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie


def cookie_header(cookie: SimpleCookie) -> dict[str, str]:
    return {"Cookie": f"hr_session={cookie['hr_session'].value}"}


async def sign_in(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.post(SESSION, json=CREDENTIALS, headers=PAGES)
    assert response.status_code == 200, response.text
    return response


async def test_signing_in_gives_the_access_token_and_keeps_the_refresh_token_in_a_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await sign_in(client)

    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}  # no refresh token
    assert response.headers["cache-control"] == "no-store"
    morsel = session_cookie(response)["hr_session"]
    assert morsel.value and morsel.value not in response.text
    assert morsel["httponly"] and morsel["secure"]
    assert morsel["samesite"] == "strict"
    assert morsel["path"] == "/web/session"
    assert int(morsel["max-age"]) == 30 * 86_400
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["roles"] == ["manager"]


async def test_a_refresh_rotates_the_cookie_and_reusing_the_old_one_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    first = session_cookie(await sign_in(client))

    refreshed = await client.post(REFRESH, headers={**PAGES, **cookie_header(first)})
    assert refreshed.status_code == 200, refreshed.text
    second = session_cookie(refreshed)
    assert second["hr_session"].value != first["hr_session"].value
    token = refreshed.json()["access_token"]
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 200

    reused = await client.post(REFRESH, headers={**PAGES, **cookie_header(first)})
    assert reused.status_code == 401
    assert session_cookie(reused)["hr_session"]["max-age"] == "0"  # cleared
    # The rotation's newer cookie went with the session, and its access token.
    after = await client.post(REFRESH, headers={**PAGES, **cookie_header(second)})
    assert after.status_code == 401
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_a_refresh_without_a_cookie_says_signed_out_without_an_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(REFRESH, headers=PAGES)
    assert response.status_code == 204
    assert response.headers["cache-control"] == "no-store"


async def test_logging_out_revokes_the_session_and_clears_the_cookie(
    client: httpx.AsyncClient,
) -> None:
    signed = await sign_in(client)
    cookie = session_cookie(signed)
    token = signed.json()["access_token"]

    out = await client.delete(SESSION, headers={**PAGES, **cookie_header(cookie)})
    assert out.status_code == 204
    cleared = session_cookie(out)["hr_session"]
    assert cleared.value == "" and cleared["max-age"] == "0"
    assert cleared["path"] == "/web/session"
    again = await client.post(REFRESH, headers={**PAGES, **cookie_header(cookie)})
    assert again.status_code == 401
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 401


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "a form's post: no X-Requested-With"),
        ({**PAGES, "Origin": "https://evil.example"}, "another site's script"),
        ({**PAGES, "Origin": f"https://{TEST_HOST}"}, "another scheme of this host"),
    ],
)
async def test_cross_site_requests_are_refused_on_every_session_route(
    client: httpx.AsyncClient, headers: dict[str, str], why: str
) -> None:
    cookie = cookie_header(session_cookie(await sign_in(client)))
    form = await client.post(
        SESSION,
        data=CREDENTIALS,
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    posted = await client.post(SESSION, json=CREDENTIALS, headers=headers)
    refreshed = await client.post(REFRESH, headers={**headers, **cookie})
    logged_out = await client.delete(SESSION, headers={**headers, **cookie})

    for response in (form, posted, refreshed, logged_out):
        assert response.status_code == 403, (why, response.text)
        assert response.json()["code"] == "cross_site_request"
        assert "set-cookie" not in response.headers
    # The refused logout ended nothing: the cookie still refreshes.
    same_origin = {**PAGES, "Origin": f"http://{TEST_HOST}"}
    assert (await client.post(REFRESH, headers={**same_origin, **cookie})).status_code == 200


async def test_a_wrong_password_is_the_apis_answer_and_sets_no_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        SESSION, json={"username": "mia", "password": "not the password"}, headers=PAGES
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "set-cookie" not in response.headers
