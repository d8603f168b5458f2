/* Orion's page behaviour, in one file so that the Content-Security-Policy can forbid inline
   script (no onclick=, no hx-on, no eval). Markup opts in with data- attributes:
     data-clear="#id"          a button that empties the element #id (the pickers' Close)
     data-saving-text="..."    a submit button that disables itself once pressed (Save Order)
     data-confirm="..."        a form that asks before it is submitted (Cancel order)
     data-swap-422             htmx answers 422 inside this element carry a message: swap them
     data-error-focus="sel"    where focus goes when this control's request is refused
     data-percent="N"          a progress bar whose width is N% (no inline style attribute)
     data-shown-by="sel" data-shown-value="v"
                               shown while the control sel has the value v (Trunking notice)
*/
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-clear]");
    if (clear) {
      var target = document.querySelector(clear.getAttribute("data-clear"));
      if (target) { target.innerHTML = ""; }
      return;
    }
    var saving = event.target.closest("[data-saving-text]");
    if (saving) {
      // After the click has submitted the form: a second click makes no second request.
      setTimeout(function () {
        saving.disabled = true;
        saving.textContent = saving.getAttribute("data-saving-text");
      }, 0);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // A notice that depends on a choice appears the moment the choice is made (not after Save
  // Order), and the live region reads it out.
  function syncShown(control, speak) {
    document.querySelectorAll("[data-shown-by]").forEach(function (box) {
      var source = document.querySelector(box.getAttribute("data-shown-by"));
      if (!source || (control && source !== control)) { return; }
      var show = source.value === box.getAttribute("data-shown-value");
      if (show === !box.hidden) { return; }
      box.hidden = !show;
      if (show && speak) { announce(box.textContent.replace(/\s+/g, " ").trim()); }
    });
  }
  ["change", "input"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target.matches && event.target.matches("select, input")) {
        syncShown(event.target, true);
      }
    });
  });
  document.addEventListener("DOMContentLoaded", function () { syncShown(null, false); });

  // --- every answer is shown --------------------------------------------------------------
  // One handler for every refusal (4xx) of an htmx request: the message goes next to the
  // control that caused it (or the one its data-error-focus names), the control's last saved
  // value comes back (a quantity box must not keep 0 while the line bills 1), focus moves
  // there, and the page's live region (#announcer) reads it out. Inside [data-swap-422] the
  // answer has its own slot (the DIDs section): it is swapped there, and still announced.

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) { return; }
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 30);
  }

  function refusalNode(xhr) {
    // The server's own fragment (core/error_fragment.html, or a page's first alert); a plain
    // sentence when the answer carries none.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var alert = doc.querySelector(".alert");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "alert alert-error";
      var heading = doc.querySelector("main h1, h1");
      alert.textContent = heading ? heading.textContent.trim() :
        "The server refused this (HTTP " + xhr.status + "). Reload the page and try again.";
    }
    return document.importNode(alert, true);
  }

  function causeOf(detail) {
    // The element that made the request; for a form, the field the user was in (autosave)
    // or the button that submitted it.
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    var target = trigger && trigger.target;
    if (trigger && trigger.submitter) { return {elt: elt, control: trigger.submitter}; }
    if (elt && target && target !== elt && elt.contains && elt.contains(target) &&
        target.matches("input, select, textarea")) {
      return {elt: elt, control: target};
    }
    return {elt: elt, control: elt};
  }

  var errorSerial = 0;
  function clearRefusal(control) {
    if (!control || !control.getAttribute) { return; }
    var id = control.getAttribute("data-error-id");
    var old = id && document.getElementById(id);
    if (old) { old.remove(); }
    control.removeAttribute("data-error-id");
    control.removeAttribute("aria-invalid");
  }

  function showRefusal(detail) {
    var cause = causeOf(detail);
    var control = cause.control;
    if (!control || !control.isConnected) { control = document.getElementById("form-errors"); }
    if (!control) { return; }
    clearRefusal(control);
    var box = document.createElement("div");
    box.className = "control-error";
    box.id = "control-error-" + (++errorSerial);
    box.setAttribute("data-control-error", "");
    box.appendChild(refusalNode(detail.xhr));
    var anchor = control.closest("td, .field, .picker-bar") || control;
    if (anchor === control || anchor.tagName === "TD") { control.insertAdjacentElement("afterend", box); }
    else { anchor.appendChild(box); }
    control.setAttribute("data-error-id", box.id);
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", box.id);
    // A control that sent its own value (a quantity box) gets back the value it last had.
    if (control === cause.elt && "defaultValue" in control && control.tagName !== "BUTTON") {
      control.value = control.defaultValue;
    }
    var focusSel = (cause.elt && cause.elt.getAttribute && cause.elt.getAttribute("data-error-focus")) ||
      control.getAttribute("data-error-focus");
    var focus = focusSel ? (cause.elt.querySelector(focusSel) || document.querySelector(focusSel)) : control;
    (focus || control).focus();
    announce(box.textContent.trim());
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    clearRefusal(causeOf(event.detail).control);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status < 400 || status >= 500) { return; }
    if (status === 422 && event.target.closest("[data-swap-422]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      var doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
      announce((doc.body.textContent || "").trim());
      return;
    }
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    showRefusal(event.detail);
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Orion could not be reached: your last change was not saved. Check the connection.");
  });

  // --- nothing typed is lost ---------------------------------------------------------------
  // form[data-autosave] posts what is typed after a pause (htmx, see orders/form.html). Until
  // the server has stored the latest keystroke, leaving the page asks first (beforeunload);
  // an answer with X-Orion-Unsaved (a field that did not pass) keeps the page "unsaved".
  // Links and buttons marked data-leave-ok (Reload the form, Discard draft) leave without asking.
  var edits = 0;
  var savedEdits = 0;
  function unsaved() { return edits !== savedEdits; }
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("form[data-autosave]")) { edits++; }
  });
  // Save Order and autosave never race: once Save Order is pressed no autosave starts (a
  // pending one would bump the draft's version under it), and one in flight is waited for,
  // so Save Order posts the version that autosave just got back.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!elt || !elt.matches || !elt.matches("form[data-autosave]")) { return; }
    if (elt.orionSubmitting) { event.preventDefault(); return; }
    elt.orionEdits = edits;
    elt.orionInFlight = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!elt || !elt.matches || !elt.matches("form[data-autosave]")) { return; }
    elt.orionInFlight = false;
    var xhr = event.detail.xhr;
    if (xhr.status >= 200 && xhr.status < 300 && xhr.getResponseHeader("X-Orion-Unsaved") !== "1") {
      savedEdits = elt.orionEdits;
    }
    if (elt.orionPendingSubmit) {
      elt.orionPendingSubmit = false;
      setTimeout(function () { elt.requestSubmit(); }, 0);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-autosave]") || event.defaultPrevented) { return; }
    form.orionSubmitting = true;
    if (form.orionInFlight) {
      event.preventDefault();
      form.orionPendingSubmit = true;
      return;
    }
    savedEdits = edits;  // Save Order posts every field
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-leave-ok]")) { savedEdits = edits; }
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- reservations are visible -----------------------------------------------------------
  // Work on the page (typing, clicking) is "activity": elements that listen for orion:activity
  // (the DIDs section's renewal, throttled there) keep the draft's numbers reserved. The
  // "reserved for N more minutes" notice counts down between renewals.
  var lastActivity = 0;
  function activity() {
    var now = Date.now();
    if (now - lastActivity < 5000) { return; }
    lastActivity = now;
    document.body.dispatchEvent(new CustomEvent("orion:activity", {bubbles: true}));
  }
  ["input", "click", "keydown"].forEach(function (name) {
    document.addEventListener(name, activity, true);
  });
  function countDown() {
    document.querySelectorAll("[data-reserved-until]").forEach(function (notice) {
      var until = Date.parse(notice.getAttribute("data-reserved-until"));
      var left = Math.max(0, Math.ceil((until - Date.now()) / 60000));
      var strong = notice.querySelector(".minutes-left");
      if (strong && left > 0) {
        strong.textContent = left + " more minute" + (left === 1 ? "" : "s");
      } else if (strong) {
        notice.textContent = "The reservation has run out: the numbers may be released. " +
          "Select them again, or press Save Order.";
      }
    });
  }
  setInterval(countDown, 20000);

  // --- focus stays where the user is ----------------------------------------------------
  // An htmx swap that replaces the control the user was on (a quantity box, Add Selected in
  // a picker that closes) would drop focus to <body>: a keyboard or screen-reader user then
  // starts again at the top. Before each request the focused control is remembered; after the
  // swap focus goes back to it, to its new copy (same id, or same name and label), or else to
  // the heading of the section that was swapped, which is made focusable for that.
  var lastFocus = null;
  function describe(el) {
    if (!el || el === document.body || !el.getAttribute) { return null; }
    return {el: el, id: el.id, tag: el.tagName, name: el.getAttribute("name"),
            label: el.getAttribute("aria-label"), text: (el.textContent || "").trim()};
  }
  function findAgain(d) {
    if (d.el.isConnected) { return d.el; }
    if (d.id) { var byId = document.getElementById(d.id); if (byId) { return byId; } }
    var found = null;
    if (d.name || d.label) {
      document.querySelectorAll(d.tag).forEach(function (el) {
        if (!found && el.getAttribute("name") === d.name && el.getAttribute("aria-label") === d.label &&
            (d.tag !== "BUTTON" || (el.textContent || "").trim() === d.text)) { found = el; }
      });
    }
    return found;
  }
  function headingFor(target) {
    var section = target && target.closest && target.closest("section, .card, main");
    var heading = section && section.querySelector("h1, h2, h3");
    if (!heading) { return null; }
    if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
    return heading;
  }
  var settling = 0;  // swaps done whose settle has not run yet
  document.addEventListener("htmx:beforeSwap", function (event) {
    // At swap time, not request time: a Tab pressed while the answer was on its way counts.
    var memo = describe(document.activeElement);
    if (memo) {
      memo.target = event.detail.target;
      lastFocus = memo;
    } else if (!settling) {
      lastFocus = null;
    }
    // Otherwise focus is on <body> because an earlier swap took its control away and has
    // not settled yet (two answers within htmx's settle delay: a quantity's lines and the
    // users they reload): that swap's memo stays, for its settle to give focus back.
  });
  document.addEventListener("htmx:afterSwap", function () { settling += 1; });
  document.addEventListener("htmx:afterSettle", function (event) {
    settling = Math.max(0, settling - 1);  // one per settled element: never below none
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) { return; }  // not lost
    var memo = lastFocus;
    if (!memo) { return; }
    var again = findAgain(memo);
    if (again && !again.disabled && again.offsetParent !== null) { again.focus(); return; }
    var heading = headingFor(memo.target && memo.target.isConnected ? memo.target : event.detail.target);
    if (heading) { heading.focus(); }
  });

  // --- live regions for progress and totals ----------------------------------------------
  // The progress panel and the order lines are replaced by each swap, so they cannot be live
  // regions themselves (a new node is not announced); the page's polite region (#status-live)
  // reads out what changed: the provisioning headline, or the order's totals.
  var lastStatus = "";
  function politely(text) {
    var region = document.getElementById("status-live");
    if (!region || !text || text === lastStatus) { return; }
    lastStatus = text;
    region.textContent = text;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail.target;
    function within(el) { return el && swapped && (swapped === el || swapped.contains(el)); }
    var progress = document.getElementById("progress-text");
    var state = document.getElementById("progress-state");
    var lines = document.getElementById("order-lines");
    if (progress && (within(progress) || (swapped && swapped.id === "provisioning"))) {
      politely("Provisioning: " + progress.textContent.trim() +
               (state ? " (" + state.textContent.trim() + ")" : ""));
    }
    if (!within(lines)) { return; }
    var mrc = document.getElementById("mrc-total");
    var nrc = document.getElementById("nrc-total");
    if (mrc && nrc) {
      politely("Monthly total (MRC) " + mrc.textContent.trim() + ", one-time total (NRC) " +
               nrc.textContent.trim() + ".");
    } else if (document.getElementById("no-lines")) {
      politely("No packages on the order.");
    }
  });

  function applyPercent(root) {
    (root || document).querySelectorAll("[data-percent]").forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
      bar.style.width = value + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyPercent(document); });
  document.addEventListener("htmx:load", function (event) { applyPercent(event.target); });
  document.addEventListener("htmx:afterSettle", function () { applyPercent(document); });
})();
