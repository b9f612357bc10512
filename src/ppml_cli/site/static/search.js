// ppml site: the in-page search over the catalog, with MiniSearch (vendored; see vendor/minisearch/VERSION).
(function () {
  "use strict";
  var data = window.PPML_SEARCH;
  var stop = new Set(data.stopwords);
  var root = "";  // search.html sits at the site's root
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function processTerm(term) {
    var word = fold(term);
    return stop.has(word) ? null : word;
  }
  // Typos as ppml search allows them: none up to four letters; a transposition is two edits here.
  function fuzzy(term) {
    return term.length <= 4 ? 0 : term.length <= 8 ? 2 : 3;
  }
  var index = new MiniSearch({
    idField: "n",
    fields: ["name", "id", "aliases", "package", "phrases", "authors", "techniques", "description"],
    storeFields: ["name", "kind", "description", "page", "id", "labels"],
    processTerm: processTerm,
    searchOptions: {
      boost: { name: 6, id: 5, aliases: 5, package: 4, phrases: 2, authors: 1.5, techniques: 1, description: 1 },
      prefix: function (term, i, terms) { return i === terms.length - 1 && term.length >= 4; },
      fuzzy: fuzzy,
      weights: { fuzzy: 0.3, prefix: 0.5 },
      combineWith: "AND"
    }
  });
  index.addAll(data.documents);

  // As ppml search does: the whole query as an entry's name, id or alias ranks that entry first,
  // and a name that starts with the whole query next; MiniSearch's score orders the rest.
  function tier(hit, folded) {
    if (hit.labels.indexOf(folded) >= 0) { return 2; }
    return hit.labels.some(function (label) { return label.indexOf(folded + " ") === 0; }) ? 1 : 0;
  }
  function ranked(query) {
    var folded = fold(query.trim()).replace(/\s+/g, " ");
    var hits = index.search(query);
    hits.forEach(function (hit, i) { hit.tier = tier(hit, folded); hit.at = i; });
    return hits.sort(function (a, b) { return (b.tier - a.tier) || (a.at - b.at); });
  }
  window.ppmlSearch = function (query) { return ranked(query).map(function (hit) { return hit.id; }); };

  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");

  function show(query) {
    list.textContent = "";
    var q = query.trim();
    if (!q) { status.textContent = "Type a query; the search runs in this page, offline."; return; }
    var hits = ranked(q).slice(0, 20);
    status.textContent = hits.length ? hits.length + (hits.length === 20 ? "+" : "") + " results for \u201c" + q + "\u201d" : "Nothing in the catalog matches \u201c" + q + "\u201d.";
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + hit.page;
      link.textContent = hit.name;
      link.className = "hit";
      link.setAttribute("data-id", hit.id);
      var kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = " " + hit.kind;
      var text = document.createElement("div");
      text.textContent = hit.description;
      item.appendChild(link);
      item.appendChild(kind);
      item.appendChild(text);
      list.appendChild(item);
    });
  }
  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  show(input.value);
  input.addEventListener("input", function () { show(input.value); });
  input.form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
})();
