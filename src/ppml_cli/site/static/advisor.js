// ppml site: the advisor. Every plan was computed at build time by ppml recommend's engine;
// this script only picks the one for the answers given and lays it out (text nodes, never HTML).
(function () {
  "use strict";
  var data = window.PPML_ADVISOR;
  var form = document.getElementById("advisor");
  var out = document.getElementById("plan");
  var command = document.getElementById("advisor-command");

  function answers() {
    return data.questions.map(function (q) {
      if (q.mode === "many") {
        var checked = [];
        var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
        q.answers.forEach(function (a) {
          var ticked = boxes.some(function (b) { return b.name === q.id && b.value === a.value && b.checked; });
          if (ticked) { checked.push(a.value); }
        });
        return checked.join(data.separators.value);
      }
      return form.elements[q.id].value;
    });
  }
  function plan(key) {
    var shape = data.plans[data.keys[key]];
    var full = {};
    Object.keys(shape).forEach(function (name) {
      var v = shape[name];
      full[name] = Array.isArray(v) ? v.map(function (i) { return data.pool[i]; }) : data.pool[v];
    });
    return full;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function entryLink(id, name) {
    var page = data.pages[id];
    if (!page) { return el("span", name || id); }
    var a = el("a", name || page.name);
    a.href = page.href;
    return a;
  }
  function section(title, items, fill) {
    if (!items || !items.length) { return; }
    out.appendChild(el("h2", title));
    var list = el("ol");
    items.forEach(function (item) {
      var li = el("li");
      fill(li, item);
      list.appendChild(li);
    });
    out.appendChild(list);
  }
  function line(parent, label, text) {
    if (!text) { return; }
    var p = el("p");
    p.appendChild(el("strong", label + ": "));
    p.appendChild(document.createTextNode(text));
    parent.appendChild(p);
  }
  function render() {
    var values = answers();
    var key = values.join(data.separators.key);
    var words = ["ppml recommend"];
    data.questions.forEach(function (q, i) {
      var v = values[i];
      if (q.mode === "flag") { if (v === "yes") { words.push(q.option); } }
      else if (v) { words.push(q.option + " " + v.split(data.separators.value).join(",")); }
    });
    command.textContent = words.join(" ");
    out.textContent = "";
    if (!(key in data.keys)) { out.appendChild(el("p", "No plan was built for these answers.")); return; }
    var p = plan(key);
    if (p.summary) {
      var short = el("section", null, "summary");
      short.appendChild(el("h2", "In short"));
      line(short, "Architecture", p.summary.architecture);
      line(short, "Techniques", (p.summary.techniques || []).join(" \u2192 "));
      line(short, "Tools", (p.summary.tools || []).join(", "));
      line(short, "Budget", p.summary.budget);
      if (p.privacy_unit) { line(short, "Unit of privacy", p.privacy_unit.value + ". " + p.privacy_unit.why); }
      line(short, "Audit", p.summary.audit);
      out.appendChild(short);
    }
    out.appendChild(el("h2", "Threats in scope"));
    var threats = el("ul");
    p.threats.forEach(function (t) {
      var li = el("li");
      li.appendChild(entryLink(t.id, t.name));
      li.appendChild(document.createTextNode(": " + t.why));
      threats.appendChild(li);
    });
    out.appendChild(threats);
    section("Techniques, best first", p.techniques, function (li, t) {
      li.className = "technique";
      li.setAttribute("data-id", t.id);
      var head = el("p");
      head.appendChild(entryLink(t.id, t.name));
      head.appendChild(el("span", " · " + t.strength + (t.role !== "mitigation" ? " (" + t.role + ")" : ""), "muted"));
      li.appendChild(head);
      line(li, "Why", t.why);
      line(li, "Costs", t.costs);
      if (t.tradeoffs.length) {
        var list = el("ul");
        t.tradeoffs.forEach(function (x) {
          var other = x.matches === false ? " (from another setting than yours)" : "";
          var item = el("li", x.metric + ": " + x.value + " (" + x.setting + ")" + other + " ");
          item.appendChild(entryLink(x.reference, "[" + x.reference + "]"));
          list.appendChild(item);
        });
        li.appendChild(el("strong", "Trade-offs:"));
        li.appendChild(list);
      }
      line(li, "Combine with", t.combine_with.join(", "));
    });
    section("Tools", p.tools, function (li, t) {
      li.className = "tool";
      li.setAttribute("data-id", t.id);
      var head = el("p");
      head.appendChild(entryLink(t.id, t.name));
      head.appendChild(el("span", " · " + [t.status, t.license].filter(Boolean).join(" · "), "muted"));
      li.appendChild(head);
      if (t.install) { var c = el("p"); c.appendChild(el("code", t.install)); li.appendChild(c); }
      line(li, "Why", t.why);
      t.caveats.forEach(function (caveat) { line(li, "Caveat", caveat); });
    });
    if (p.epsilon) {
      out.appendChild(el("h2", "Privacy budget"));
      out.appendChild(el("p", p.epsilon.guidance));
      var sources = el("p", "Sources: ");
      p.epsilon.sources.forEach(function (s, i) {
        if (i) { sources.appendChild(document.createTextNode(", ")); }
        sources.appendChild(entryLink(s, s));
      });
      if (p.epsilon.sources.length) { out.appendChild(sources); }
    }
    section("Audit", p.audit, function (li, a) {
      li.appendChild(entryLink(a.id, a.name));
      li.appendChild(document.createTextNode(": " + a.why));
    });
    section("Read next", p.references, function (li, id) { li.appendChild(entryLink(id)); });
    section("Not covered", p.not_covered, function (li, text) { li.textContent = text; });
    section("Ruled out", p.ruled_out, function (li, r) {
      li.appendChild(entryLink(r.id, r.name));
      li.appendChild(document.createTextNode(": " + r.reason));
    });
  }
  form.addEventListener("change", render);
  form.addEventListener("submit", function (event) { event.preventDefault(); render(); });
  render();
})();
