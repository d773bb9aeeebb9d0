/* The sign-in page (/login?next=): posts the form through HR.session (the access token kept
   in memory, the refresh token in the session cookie), then goes where `next` says. */
"use strict";

(function () {
  const { el, describe, session } = window.HR;
  const form = document.getElementById("login-form");
  const problem = document.getElementById("problem");
  const status = document.getElementById("status");

  /* Only a path of this site: `next=//evil.example` or `next=https://…` would send a person
     who just signed in to someone else's page. */
  function destination() {
    const next = form.dataset.next;
    const local = next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
    return local ? next : "/manage";
  }

  session.restored.then((who) => {
    if (!who) return;
    status.replaceChildren(
      "Signed in as " + who.name + ". ",
      el("a", { href: destination(), text: "Continue" })
    );
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    status.textContent = "Signing in…";
    const data = new FormData(form);
    try {
      await session.signIn(String(data.get("username")), String(data.get("password")));
      // Replaced, not added: back from the dashboard goes to where the person came from.
      window.location.replace(destination());
    } catch (error) {
      status.textContent = "";
      problem.textContent = error.status === 401 ? "Wrong user name or password." : describe(error);
      problem.hidden = false;
      document.getElementById("login-password").select();
    }
  });
})();
