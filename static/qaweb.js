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
