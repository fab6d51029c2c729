// "Copy" buttons beside read-only addresses: <button data-copy="ID-of-the-input" hidden>.
// The buttons stay hidden without this file, and the address can still be selected and copied by hand.
(function () {
  "use strict";

  function say(button, text) {
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }

  function copy(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { say(button, "Copied."); },
        function () { say(button, "Press Ctrl+C (⌘C) to copy."); }
      );
      return;
    }
    // Plain http on another host has no clipboard API; the old command still works there.
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    say(button, done ? "Copied." : "Press Ctrl+C (⌘C) to copy.");
  }

  function setUp() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
