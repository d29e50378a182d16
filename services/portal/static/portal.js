// Progressive enhancement only: every page works without this script.
// The commune field proposes matching communes as the person types.
(function () {
  "use strict";
  // A refused form: focus its summary of errors so a screen reader reads it first.
  var summary = document.getElementById("resume-erreurs");
  if (summary) { summary.focus(); }
})();

(function () {
  "use strict";
  var input = document.querySelector("[data-commune-search]");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var query = input.value.trim();
    if (query.length < 2 || query === last || /\(\d[\dAB]\d{3}\)$/.test(query)) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      last = query;
      var url = input.getAttribute("data-commune-search") + "?q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (body) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          body.items.forEach(function (commune) {
            var option = document.createElement("option");
            option.value = commune.name + " (" + commune.code + ")";
            option.label = commune.postcodes.join(", ") + (commune.department ? " · dép. " + commune.department : "");
            list.appendChild(option);
          });
        })
        .catch(function () { /* the server resolves the typed name on submit */ });
    }, 200);
  });
})();
