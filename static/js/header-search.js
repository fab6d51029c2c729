// The header's search box: keyboard use of the suggestions htmx puts under it.
// Down arrow (or Tab) from the box reaches the first suggestion, the arrows move between them,
// Enter follows one (they are plain links), Escape closes the list and returns to the box.
// Without this file everything still works: Tab reaches the links, Enter submits the search.
(function () {
  "use strict";

  function setUp() {
    var form = document.querySelector(".header-search");
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector(".search-suggestions");
    var status = form.querySelector("[role=status]");

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll("a"));
    }

    function close() {
      list.innerHTML = "";
      if (status) status.textContent = "";
      if (window.htmx) window.htmx.trigger(input, "htmx:abort");
    }

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = links()[0];
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Escape" && list.firstElementChild) {
        event.preventDefault();
        close();
      }
    });

    list.addEventListener("keydown", function (event) {
      var all = links();
      var index = all.indexOf(document.activeElement);
      if (index < 0) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        all[Math.min(index + 1, all.length - 1)].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index === 0) input.focus();
        else all[index - 1].focus();
      } else if (event.key === "Home") {
        event.preventDefault();
        all[0].focus();
      } else if (event.key === "End") {
        event.preventDefault();
        all[all.length - 1].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
        input.focus();
      }
    });

    // Focus leaving the box and its suggestions (a click elsewhere, Tab past the last one) closes them.
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) {
        window.setTimeout(function () {
          if (!form.contains(document.activeElement)) close();
        }, 150);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
