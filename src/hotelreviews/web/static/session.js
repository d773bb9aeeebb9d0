/* Signing in on the web pages (docs/web.md, "Login"): the access token lives in this
   module's memory only; the refresh token in an HttpOnly cookie that only /web/session
   receives. Every page restores the session from the cookie when it loads, and the header
   shows who is signed in with a sign-out button. Shared by every page that calls the API as
   someone: HR.session and HR.authFetch / HR.authApi. */
"use strict";

(function (HR) {
  const SESSION = "/web/session";
  // Required by the session routes (CSRF): a form cannot send it, another site's script
  // cannot without a CORS preflight this app never grants.
  const HEADERS = { "X-Requested-With": "hotelreviews", Accept: "application/json" };

  let accessToken = null; // never stored anywhere else: gone with the page
  // {name, roles, hotelIds, everyHotel} of the signed-in person: hotelIds, the hotels they
  // manage; everyHotel, whether their roles show every hotel's alerts (admin, analyst).
  let identity = null;
  let refreshing = null; // the one refresh in flight: concurrent 401s share it

  /* The refresh token rotates: two refreshes with one cookie look like a stolen token and
     end the session. Tabs opening together take turns through a Web Lock (same origin). */
  function exclusively(task) {
    if (navigator.locks) return navigator.locks.request("hotelreviews-session", task);
    return task();
  }

  async function sessionCall(path, init) {
    const response = await fetch(SESSION + path, { credentials: "same-origin", ...init });
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new HR.ApiProblem(response.status, body);
    return body;
  }

  async function loadIdentity() {
    const response = await fetch("/api/v1/auth/me", {
      headers: { Accept: "application/json", Authorization: "Bearer " + accessToken },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new HR.ApiProblem(response.status, body);
    identity = { name: body.name, roles: body.roles, hotelIds: body.hotel_ids, everyHotel: body.every_hotel };
    return identity;
  }

  /* A new access token from the cookie; null when there is no session (or it ended). */
  function refresh() {
    if (!refreshing) {
      refreshing = exclusively(async () => {
        try {
          const body = await sessionCall("/refresh", { method: "POST", headers: HEADERS });
          accessToken = body ? body.access_token : null;
        } catch (error) {
          accessToken = null;
        }
        if (!accessToken) identity = null;
        return accessToken;
      }).finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  async function restore() {
    if (!(await refresh())) return null;
    try {
      return await loadIdentity();
    } catch (error) {
      accessToken = null;
      return null;
    }
  }

  /* Sign in: the identity, or an ApiProblem (wrong password, locked, …). */
  async function signIn(username, password) {
    const body = await exclusively(() =>
      sessionCall("", {
        method: "POST",
        headers: { ...HEADERS, "Content-Type": "application/json" },
        body: JSON.stringify({ username, password }),
      })
    );
    accessToken = body.access_token;
    const who = await loadIdentity();
    showHeader();
    return who;
  }

  async function signOut() {
    await exclusively(() => sessionCall("", { method: "DELETE", headers: HEADERS }));
    accessToken = null;
    identity = null;
    showHeader();
  }

  /* fetch() as the signed-in person: the Bearer token added, one refresh on a 401. */
  async function authFetch(url, init) {
    const send = () => {
      const headers = { Accept: "application/json", ...((init && init.headers) || {}) };
      if (accessToken) headers.Authorization = "Bearer " + accessToken;
      return fetch(url, { ...init, headers });
    };
    let response = await send();
    if (response.status === 401 && (await refresh())) response = await send();
    return response;
  }

  /* Like HR.api, as the signed-in person: JSON, or an ApiProblem. With `change` ({method,
     body}), a write: the body sent as JSON. */
  async function authApi(path, params, change) {
    const init = change
      ? { method: change.method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(change.body) }
      : undefined;
    const response = await authFetch(HR.apiUrl(path, params), init);
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new HR.ApiProblem(response.status, body);
    return body;
  }

  function hasRole(...roles) {
    return Boolean(identity) && roles.some((role) => identity.roles.includes(role));
  }

  /* Where to come back to after signing in: this page, unless it is the sign-in page. */
  function signInHref() {
    const here = window.location.pathname + window.location.search;
    return window.location.pathname === "/login" ? "/login" : "/login?next=" + encodeURIComponent(here);
  }

  /* A signed-in page's gate: the identity when it holds one of `roles`; else null, having sent
     a signed-out visitor to sign in, or told a signed-in one whom the page is for (`whom`, a
     sentence: "The dashboard is for managers, analysts and admins"). */
  async function requireRole(roles, whom) {
    const who = await restored;
    if (!who) {
      window.location.replace(signInHref());
      return null;
    }
    if (hasRole(...roles)) return who;
    HR.setStatus("");
    const problem = document.getElementById("problem");
    problem.textContent = "Signed in as " + who.name + " (roles: " + (who.roles.join(", ") || "none") +
      "). " + whom + ": ask an administrator for one of those roles.";
    problem.hidden = false;
    return null;
  }

  function showHeader() {
    const link = document.getElementById("sign-in-link");
    const signedIn = document.getElementById("signed-in");
    link.href = signInHref();
    link.hidden = Boolean(identity);
    signedIn.hidden = !identity;
    document.getElementById("signed-in-name").textContent = identity ? identity.name : "";
  }

  document.getElementById("sign-out").addEventListener("click", async () => {
    try {
      await signOut();
    } finally {
      // A signed-in page (the dashboard) has nothing to show any more.
      if (document.body.dataset.signedInOnly !== undefined) window.location.assign(signInHref());
    }
  });

  const restored = restore().then((who) => {
    showHeader();
    return who;
  });

  HR.session = {
    restored, // a Promise of the identity restored from the cookie, or null
    signIn,
    signOut,
    current: () => identity,
    hasRole,
    signInHref,
    requireRole, // (roles, whom): the identity, or null once handled (see above)
  };
  HR.authFetch = authFetch;
  HR.authApi = authApi;
})(window.HR);
