// qaweb's own script: GOV.UK Frontend's components on the page and on every htmx swap.
// Served as a file (never inline) so the Content-Security-Policy needs no 'unsafe-inline'.
import { initAll } from "./govuk/govuk-frontend.min.js";

// GOV.UK Frontend's template does this with an inline script, which the CSP refuses; a
// module script only runs where modules are supported, so both classes apply. initAll()
// needs "govuk-frontend-supported" on <body> first.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Buttons that print the page (a button, not an inline onclick: the CSP allows none).
// Without JavaScript they stay hidden; the browser's own Print still works.
for (const button of document.querySelectorAll("[data-qaweb-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.onLoad((el) => {
      if (el !== document.body) initAll({ scope: el });
    });
  }
});

// -- htmx configuration (history restore, indicators) -----------------------------------

// Lets a form held back to renew its token be sent again past the double-submit guard
// (set in "Submit buttons" below).
let releaseForm = () => {};

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
    // An htmx form is held and renewed by htmx:confirm below; this is for plain posts.
    const byHtmx = event.defaultPrevented || Boolean(form.closest("[hx-post], [data-hx-post]"));
    if (tokenStale && !byHtmx && !form.dataset.qawebRenewed) {
      event.preventDefault();
      const submitter = event.submitter;
      form.dataset.qawebRenewed = "1"; // once: if still signed out, the server says so
      renewToken().then(() => {
        releaseForm(form); // the guard took this submit for a send: this one is the send
        form.requestSubmit(submitter || undefined);
      });
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

// -- Back to a filtered list: the filters say what the list shows --------------------------
// htmx keeps a copy of each page it moved away from, and Back puts that copy in place. The
// copy is the page's markup, which holds the fields as the server first wrote them, not
// what was typed or chosen since; so after Back the list was filtered ("q=Begum") while
// the Search box was empty. Once a copy is back, each filter form is set from the
// address, as the server would have written it (the list kit's forms: ``qaweb-filters``).
{
  const setFromAddress = (form, params) => {
    for (const field of form.elements) {
      const name = field.name;
      if (!name || field.type === "hidden" || field.type === "submit") continue;
      const values = params.getAll(name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else if (field.tagName === "SELECT") {
        const wanted = values.length ? values : [""];
        const options = Array.from(field.options);
        if (!options.some((o) => wanted.includes(o.value))) continue; // nothing to match
        options.forEach((o) => {
          o.selected = wanted.includes(o.value);
        });
      } else if (field.tagName === "INPUT" || field.tagName === "TEXTAREA") {
        field.value = values.length ? values[0] : "";
      }
    }
  };
  document.addEventListener("htmx:historyRestore", () => {
    const params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form.qaweb-filters").forEach((form) => setFromAddress(form, params));
  });
}

// -- Focus after htmx swaps ------------------------------------------------------------
// A swap that replaces the focused element ("Save this section" re-renders its section, a
// row is replaced by its completed self) leaves the focus on <body>: a keyboard or screen
// reader user is thrown back to the top of the page. After each swap that a focused
// element (or a click) started:
//   1. an error summary, or a notification banner with role="alert", in the new content
//      takes the focus (GOV.UK Frontend does this when it initialises the component; this
//      covers a component that is itself the swapped element, which initAll's scope misses);
//   2. otherwise, if the focus was lost, it goes back to the same element in the new
//      content: by id (htmx itself does that during the swap), else by name and value (the
//      submit buttons of tool sections have none), else to the new content itself.
{
  const lost = () => {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  };
  const setFocus = (el) => {
    if (!el.hasAttribute("tabindex") && !el.matches("a[href], button, input, select, textarea")) {
      el.setAttribute("tabindex", "-1");
      el.addEventListener("blur", () => el.removeAttribute("tabindex"), { once: true });
    }
    el.focus();
  };
  const within = (root, selector) =>
    root.matches(selector) ? root : root.querySelector(selector);
  // What had the focus when each request started (by its XMLHttpRequest).
  const focusedWhenSent = new WeakMap();

  document.addEventListener("htmx:beforeRequest", (event) => {
    const active = document.activeElement;
    const trigger = event.detail.elt;
    const el = active && active !== document.body ? active
      // Safari does not focus a clicked button: remember the button that sent the request.
      : trigger && trigger.matches && trigger.matches("a[href], button, input[type=submit]") ? trigger
      : null;
    if (el && event.detail.xhr) {
      focusedWhenSent.set(event.detail.xhr, {
        id: el.id, name: el.getAttribute("name"), value: el.getAttribute("value"),
        tag: el.tagName.toLowerCase(),
      });
    }
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const xhr = event.detail.xhr;
    const before = xhr && focusedWhenSent.get(xhr);
    const root = event.target;
    if (!before || !(root instanceof Element) || !root.isConnected) return;
    const message =
      within(root, ".govuk-error-summary:not([data-disable-auto-focus='true'])") ||
      within(root, ".govuk-notification-banner[role='alert']:not([data-disable-auto-focus='true'])");
    if (message) {
      if (!message.contains(document.activeElement)) setFocus(message);
      focusedWhenSent.delete(xhr);
      return;
    }
    if (!lost()) {
      focusedWhenSent.delete(xhr);
      return;
    }
    let again = before.id ? document.getElementById(before.id) : null;
    if (!again && before.name) {
      const value = before.value === null ? "" : `[value="${CSS.escape(before.value)}"]`;
      again = document.querySelector(`${before.tag}[name="${CSS.escape(before.name)}"]${value}`);
    }
    if (again && !again.disabled && again.getClientRects().length) {
      setFocus(again);
    } else if (root.getClientRects().length) {
      setFocus(root); // the new content itself: its status message is read from there
    } else {
      return; // an out-of-band or hidden element: a later settle of this swap places it
    }
    focusedWhenSent.delete(xhr);
  });
}


// -- Submit buttons: disabled while their request is in flight (no double submits) -----
// A form that saves is sent once. Plain posts: the first submit goes, later ones are ignored
// until the page changes, and the buttons are disabled once the browser has read the form
// (so the pressed button's value is still sent). htmx requests that save: the form's
// buttons (or the bare button) are disabled from htmx:beforeRequest to htmx:afterRequest.
// The server refuses a repeat anyway (the one-time form key); this spares the wait.
(() => {
  const inFlight = new WeakSet();
  const SUBMITS = 'button:not([type]), button[type="submit"], input[type="submit"]';
  const HTMX_VERBS = ["post", "put", "patch", "delete", "get"]
    .flatMap((verb) => [`[hx-${verb}]`, `[data-hx-${verb}]`])
    .join(",");

  const buttonsOf = (el) =>
    el instanceof HTMLFormElement
      ? [...el.querySelectorAll(SUBMITS)]
      : el.matches("button, input[type=submit]")
        ? [el]
        : [];

  const hold = (el) => {
    inFlight.add(el);
    for (const button of buttonsOf(el)) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    }
  };

  const release = (el) => {
    inFlight.delete(el);
    for (const button of buttonsOf(el)) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    }
  };
  releaseForm = release;

  const htmxDriven = (form) =>
    Boolean(window.htmx) &&
    (form.matches(HTMX_VERBS) || Boolean(form.closest('[hx-boost="true"], [data-hx-boost="true"]')));

  // Capture phase: runs before htmx's own listener on the form, so a repeat never reaches it.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (inFlight.has(form)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || htmxDriven(form)) {
        return; // searches and filters stay free; htmx requests are held below
      }
      inFlight.add(form);
      // After this event the browser has built the form's data; then the buttons can go.
      setTimeout(() => hold(form), 0);
      // A post that answers with a download leaves the page where it is: free it again.
      setTimeout(() => release(form), 20000);
    },
    true,
  );

  // Back to a page kept in the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    for (const form of document.forms) release(form);
  });

  const heldFor = (event) => {
    const elt = event.detail && event.detail.elt;
    const verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!(elt instanceof Element) || !verb || verb.toLowerCase() === "get") return null;
    const trigger = event.detail.requestConfig.triggeringEvent;
    if (elt instanceof HTMLFormElement) return trigger && trigger.type === "submit" ? elt : null;
    // A bare button that saves; not a form's check as the person types (clashes, say).
    return elt.matches(SUBMITS) || elt.matches("button") ? elt : null;
  };
  document.addEventListener("htmx:beforeRequest", (event) => {
    const el = heldFor(event);
    if (el) hold(el);
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const el = heldFor(event);
    if (el) release(el);
  });
})();
