// ppml site: the in-page search over the catalog, with MiniSearch (vendored; see vendor/minisearch/VERSION).
(function (root) {
  "use strict";
  var data = root.PPML_SEARCH;
  var stop = new Set(data.stopwords);
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  // ppml search's light suffix folding (search.stem), on the catalog and the query alike.
  var abbreviations = { app: "application", apps: "application", lib: "library", libs: "library" };
  function stem(word) {
    word = abbreviations[word] || word;
    var n = word.length;
    if (n > 6 && /ly$/.test(word)) { return word.slice(0, -2); }
    if (n > 4 && /ies$/.test(word)) { return word.slice(0, -3) + "y"; }
    if (n > 5 && /ing$/.test(word)) { return word.slice(0, -3); }
    if (n > 4 && /ed$/.test(word) && !/eed$/.test(word)) { return word.slice(0, -2); }
    if (n > 3 && /s$/.test(word) && !/(ss|us|is)$/.test(word)) { return word.slice(0, -1); }
    return word;
  }
  function processTerm(term) {
    var word = fold(term);
    return stop.has(word) ? null : stem(word);
  }
  // Typos as ppml search allows them (Meilisearch's rules): none up to four letters, one from five
  // to eight, two from nine; a swap of neighbouring letters counts as one (see variants below).
  function fuzzy(term) {
    return term.length <= 4 ? 0 : term.length <= 8 ? 1 : 2;
  }
  // A word and its neighbour swaps ("opcaus" -> "opacus"): MiniSearch's distance counts a swap as two.
  function variants(word) {
    var out = [word];
    if (word.length < 5) { return out; }
    for (var i = 0; i + 1 < word.length; i++) {
      out.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
    }
    return out;
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
      combineWith: "OR"
    }
  });
  var tokenize = MiniSearch.getDefault("tokenize");
  index.addAll(data.documents);

  // As ppml search does: the whole query as an entry's name, id or alias ranks that entry first,
  // and a name that starts with the whole query next; MiniSearch's score orders the rest.
  function tier(hit, folded) {
    if (hit.labels.indexOf(folded) >= 0) { return 2; }
    return hit.labels.some(function (label) { return label.indexOf(folded + " ") === 0; }) ? 1 : 0;
  }
  function ranked(query) {
    var folded = fold(query.trim()).replace(/\s+/g, " ");
    // As ppml search does: every word must match something in the catalog (even as a typo), or
    // the answer is empty rather than made up from the other words; then entries matching more
    // of the words, and in better fields, rank first (BM25, summed over the words).
    var words = tokenize(query).map(function (w) { return fold(w); }).filter(function (w) { return processTerm(w); });
    var trees = words.map(function (w) { return { combineWith: "OR", queries: variants(w) }; });
    if (!trees.length || trees.some(function (t) { return index.search(t).length === 0; })) { return []; }
    var all = index.search({ combineWith: "AND", queries: trees });
    var seen = new Set(all.map(function (h) { return h.id; }));
    index.search({ combineWith: "OR", queries: trees }).forEach(function (h) { if (!seen.has(h.id)) { all.push(h); } });
    var hits = all;
    hits.forEach(function (hit, i) { hit.tier = tier(hit, folded); hit.at = i; });
    return hits.sort(function (a, b) { return (b.tier - a.tier) || (a.at - b.at); });
  }
  // The ranking alone, for benchmarks/site_search.py (which runs this file in Node, without a page).
  root.ppmlSearch = function (query) { return ranked(query).map(function (hit) { return hit.id; }); };
  if (typeof document === "undefined") { return; }

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
      link.href = hit.page;  // search.html sits at the site's root
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
})(typeof window !== "undefined" ? window : globalThis);
