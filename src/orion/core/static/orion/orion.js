/* Orion's page behaviour, in one file so that the Content-Security-Policy can forbid inline
   script (no onclick=, no hx-on, no eval). Markup opts in with data- attributes:
     data-clear="#id"          a button that empties the element #id (the pickers' Close)
     data-saving-text="..."    a submit button that disables itself once pressed (Save Order)
     data-confirm="..."        a form that asks before it is submitted (Cancel order)
     data-swap-422             htmx answers 422 inside this element carry a message: swap them
     data-percent="N"          a progress bar whose width is N% (no inline style attribute)
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

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && event.target.closest("[data-swap-422]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
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
