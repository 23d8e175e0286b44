// qaweb's own script: GOV.UK Frontend's components on the page and on every htmx swap.
// Served as a file (never inline) so the Content-Security-Policy needs no 'unsafe-inline'.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.onLoad((el) => {
      if (el !== document.body) initAll({ scope: el });
    });
  }
});

// -- htmx configuration (history restore, indicators) -----------------------------------

// -- Unsaved changes: warn before leaving a page with typed text not yet saved ----------
// A form counts as changed from the first keystroke until it is saved (a plain submit, or
// an htmx request from inside it that succeeds). Filter forms (GET) never count.
// When a save is refused because of the session (core.errors puts a message into
// #qaweb-form-problem), the typed text stays; the page's form tokens are renewed so that
// pressing Save again works: at once when still signed in, or after signing in again in
// another tab (fetched before the next save, when the tab comes back, or on Back).
{
  // Fields typed in and not saved yet; a field replaced by an htmx swap is gone from the
  // page (it showed what was saved; a form returned with errors counts as changed again).
  const changed = new Set();
  let tokenStale = false;
  let tokenUrl = null;

  const isPostForm = (form) =>
    form instanceof HTMLFormElement && (form.getAttribute("method") || "").toLowerCase() === "post";
  const formOf = (el) => (el && (el.form || el.closest?.("form"))) || null;
  const forget = (inside) => {
    for (const el of changed) {
      if (!el.isConnected || inside(el)) changed.delete(el);
    }
  };

  document.addEventListener("input", (event) => {
    if (isPostForm(formOf(event.target))) changed.add(event.target);
  });
  document.addEventListener("change", (event) => {
    if (isPostForm(formOf(event.target))) changed.add(event.target);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!isPostForm(form)) return;
    if (tokenStale && !form.dataset.qawebRenewed) {
      event.preventDefault();
      const submitter = event.submitter;
      form.dataset.qawebRenewed = "1"; // once: if still signed out, the server says so
      renewToken().then(() => form.requestSubmit(submitter || undefined));
      return;
    }
    delete form.dataset.qawebRenewed;
    forget((el) => formOf(el) === form);
  });
  window.addEventListener("beforeunload", (event) => {
    forget(() => false);
    if (changed.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const xhr = event.detail.xhr;
    const form = formOf(event.detail.elt);
    if (!xhr || xhr.status < 200 || xhr.status >= 300 || !isPostForm(form)) return;
    if (xhr.getResponseHeader("HX-Retarget")) return; // refused: nothing was saved
    if (["HX-Redirect", "HX-Refresh", "HX-Location"].some((h) => xhr.getResponseHeader(h))) {
      forget((el) => formOf(el) === form); // saved, and leaving the page
    }
  });
  // A form that came back with errors (or refused as stale) holds typed text not saved yet.
  const markUnsaved = (form) => {
    if (!isPostForm(form) || form.querySelector("input[type=password]")) return;
    const field = form.querySelector("textarea, input:not([type=hidden]), select");
    if (field) changed.add(field);
  };
  const markErrors = (root) => {
    root.querySelectorAll(".govuk-form-group--error").forEach((group) => {
      markUnsaved(formOf(group));
    });
    if (root.querySelector("#saved-by-other")) {
      root.querySelectorAll('input[name="version"]').forEach((input) => markUnsaved(input.form));
      markUnsaved(formOf(root));
    }
  };
  // Content htmx swapped in (a section returned with errors), and the page as loaded (shown
  // again with errors, or refused because someone else saved first).
  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt?.querySelectorAll) markErrors(event.detail.elt);
  });
  markErrors(document);

  const useToken = (token) => {
    if (!token) return;
    document.querySelectorAll('input[name="csrf_token"]').forEach((input) => {
      input.value = token;
    });
    const body = document.body;
    let headers = {};
    try {
      headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      headers = {};
    }
    headers["X-CSRFToken"] = token;
    body.setAttribute("hx-headers", JSON.stringify(headers));
  };

  const renewToken = () => {
    const url = tokenUrl || document.body.dataset.qawebTokenUrl || "/auth/token";
    return fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then((response) => (response.ok ? response.json() : { signed_in: false }))
      .then((answer) => {
        if (answer.signed_in && answer.token) {
          useToken(answer.token);
          tokenStale = false;
        }
        return answer.signed_in;
      })
      .catch(() => false);
  };

  document.addEventListener("htmx:afterSwap", (event) => {
    const problem = event.detail.target?.querySelector?.("[data-qaweb-form-problem]");
    if (!problem) return;
    tokenUrl = problem.dataset.qawebTokenUrl || tokenUrl;
    if (problem.dataset.qawebCsrfToken) {
      useToken(problem.dataset.qawebCsrfToken);
      tokenStale = false;
    } else {
      tokenStale = true;
    }
  });
  document.addEventListener("htmx:confirm", (event) => {
    if (!tokenStale) return;
    event.preventDefault();
    renewToken().then(() => event.detail.issueRequest(true));
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (!event.detail.successful) return;
    if (event.detail.xhr?.getResponseHeader("HX-Retarget")) return; // refused, not saved
    // Saved: the message about the session no longer applies.
    const region = document.getElementById("qaweb-form-problem");
    if (region && event.detail.target !== region) region.replaceChildren();
  });
  document.addEventListener("visibilitychange", () => {
    if (tokenStale && document.visibilityState === "visible") renewToken();
  });
  window.addEventListener("pageshow", (event) => {
    // Back to a page kept in memory: its tokens may belong to a session that has ended.
    if (event.persisted) renewToken();
  });
}

// -- Focus after htmx swaps ------------------------------------------------------------

// -- Submit buttons: disabled while their request is in flight (no double submits) -----
