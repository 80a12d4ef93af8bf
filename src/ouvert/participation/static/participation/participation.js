// Progressive enhancement: vote without reloading the page. The form works without this file.
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.querySelectorAll("form[data-vote-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !token) { return; }
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": token.value}
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        // The server's page says everything in the reader's language: reload it when it changed.
        if (data.ok) { window.location.hash = "vote"; window.location.reload(); return; }
        var status = document.querySelector("[data-vote-count]");
        if (status) { status.textContent = data.message; }
        button.disabled = false;
      }).catch(function () { form.submit(); });
    });
  });
})();
