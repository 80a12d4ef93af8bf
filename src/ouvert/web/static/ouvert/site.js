// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // After a failed submission, move focus to the error summary so it is read first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
