// ppml site: copy buttons. Every script of the site is a file: the pages' policy forbids inline script.
(function () {
  "use strict";
  function copied(button, text) {
    var before = button.textContent;
    button.textContent = text;
    setTimeout(function () { button.textContent = before; }, 1500);
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var text = source.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(button, "Copied"); }, function () {
          selectText(source); copied(button, "Selected: press Ctrl+C");
        });
      } else {
        selectText(source); copied(button, "Selected: press Ctrl+C");
      }
    });
  });
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
