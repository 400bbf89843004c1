// Loads the panels of a page: each <section data-panel="URL"> gets the HTML fragment at URL
// (same origin, with the session cookie) in its .panel-body, and the charts in it are drawn
// (charts.js). Without JavaScript the section keeps its plain link to the fragment. A
// fragment that fails leaves a short message in its section.
(function () {
  function say(body, text) {
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    body.replaceChildren(p);
  }

  function load(section) {
    var body = section.querySelector(".panel-body") || section;
    section.setAttribute("aria-busy", "true");
    fetch(section.dataset.panel, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) {
        // A redirect here is the sign-in page: the session has ended.
        if (r.redirected) { throw new Error("Signed out: reload the page to sign in again."); }
        if (r.status === 503) { throw new Error("The warehouse is being updated: try again in a moment."); }
        if (!r.ok) { throw new Error("Could not load this panel (" + r.status + ")."); }
        return r.text();
      })
      .then(function (html) {
        body.innerHTML = html;
        if (window.tenureCharts) { window.tenureCharts.draw(body); }
      })
      .catch(function (err) {
        say(body, err && err.message ? err.message : "Could not load this panel.");
      })
      .finally(function () { section.removeAttribute("aria-busy"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("section[data-panel]").forEach(load);
  });
})();
