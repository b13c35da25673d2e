// retold serve: the web page. Plain ES2017, no build step, no external assets.
// Article text is untrusted: it only ever reaches the page through textContent
// and DOM nodes, never innerHTML (and the server's CSP forbids inline script).
(function () {
  "use strict";

  var KINDS = ["verbatim", "near-verbatim", "paraphrase"];
  var CHANGE_ORDER = { quote: 0, credit: 1, negation: 2, number: 3, name: 4, date: 5, title: 6 };
  var VERDICT_NOTE = {
    "duplicate": "B is a copy of A",
    "near-duplicate": "B is A with light edits",
    "rewrite": "B is rewritten from A",
    "same-story": "same story, independently written",
    "unrelated": "no meaningful overlap"
  };
  var health = null;
  var lastCompare = null; // the request body of the report on screen, for the HTML download

  // ---- small DOM helpers ----

  function $(id) { return document.getElementById(id); }

  // el("span", {class: "x", title: "y"}, child, "text", ...)
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else e.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(parent, c); }); return; }
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function pct(x) { return Math.round(Math.max(0, Math.min(1, x)) * 100) + "%"; }

  function shorten(s, n) {
    s = String(s || "").replace(/\s+/g, " ").trim();
    return s.length <= n ? s : s.slice(0, n - 1) + "…";
  }

  function setStatus(id, text, busy) {
    var s = $(id);
    s.textContent = text || "";
    s.classList.toggle("busy", !!busy);
  }

  function errorBox(err) {
    return el("div", { class: "error", role: "alert" },
      el("b", { text: err.code || "error" }), err.message || String(err));
  }

  // ---- the API ----

  function api(method, path, body, headers) {
    var init = { method: method, headers: headers || {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (!type.startsWith("application/json")) {
        if (resp.ok) return resp.text();
        throw { code: "http_" + resp.status, message: "the server answered HTTP " + resp.status };
      }
      return resp.json().then(function (data) {
        if (!resp.ok) throw (data && data.error) || { code: "http_" + resp.status, message: resp.statusText };
        return data;
      });
    }, function () {
      throw { code: "network", message: "could not reach the server; is retold serve still running?" };
    });
  }

  // ---- tabs (the hash is the route, so Back works and a tab can be linked) ----

  function route() {
    var h = location.hash.replace(/^#\/?/, "");
    var parts = h.split("/");
    var tab = ["compare", "sources", "stories"].indexOf(parts[0]) >= 0 ? parts[0] : "compare";
    document.querySelectorAll(".tab").forEach(function (t) { t.hidden = t.id !== "tab-" + tab; });
    document.querySelectorAll(".bar nav a").forEach(function (a) {
      a.classList.toggle("active", a.dataset.tab === tab);
      if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    if (tab === "stories") loadStories(parts[1] ? decodeURIComponent(parts.slice(1).join("/")) : null);
    if (tab === "sources") refreshIndexInfo();
  }

  // ---- the report: the texts cut into flat runs at every span boundary ----

  // One highlighted span on one side (mirrors retold/report/html.py).
  function layers(report, side) {
    var doc = report.documents[side];
    var n = (doc.text || "").length;
    var other = side === "a" ? "B" : "A";
    var out = [];
    function clamp(span) {
      var s = Math.max(0, span[0]), e = Math.min(n, span[1]);
      return s < e ? [s, e] : null;
    }
    report.alignments.forEach(function (al, i) {
      var sp = clamp(al[side]);
      if (sp) out.push({ s: sp[0], e: sp[1], cls: "al k-" + al.kind + (al.moved ? " moved" : "") + (al.loose ? " loose" : ""), title: "#" + (i + 1) + " " + al.kind + " " + al.score.toFixed(2) + (al.moved ? " · moved" : "") + (al.loose ? " · loose: paired by the names, numbers and rare words shared" : ""), al: i + 1, anchor: side + "-al-" + (i + 1), num: i + 1, moved: !!al.moved });
    });
    report.changes.forEach(function (ch, j) {
      var sp = clamp(ch[side]);
      if (!sp) return;
      var theirs = side === "a" ? ch.b_text : ch.a_text;
      var title = ch.kind + " · " + other + ": " + (shorten(theirs, 160) || "(nothing)");
      if (ch.detail) title += " · " + ch.detail;
      out.push({ s: sp[0], e: sp[1], cls: "change change-" + ch.kind, title: title, mark: true, anchor: side + "-ch-" + (j + 1) });
    });
    var passages = side === "a" ? report.dropped : report.added;
    passages.forEach(function (p) {
      var sp = clamp(p[side]);
      if (sp) out.push({ s: sp[0], e: sp[1], cls: side === "a" ? "dropped" : "added", title: side === "a" ? "only in A (dropped)" : "only in B (added)" });
    });
    var reasons = (report.boilerplate_reasons || {})[side] || [];
    ((report.boilerplate || {})[side] || []).forEach(function (span, k) {
      var sp = clamp(span);
      if (sp) out.push({ s: sp[0], e: sp[1], cls: "boiler", title: "boilerplate: " + (reasons[k] || "") });
    });
    return out;
  }

  function runElement(ls, active, chunk) {
    var on = active.slice().sort(function (x, y) { return x - y; }).map(function (k) { return ls[k]; });
    var classes = [], seen = {};
    on.forEach(function (l) { l.cls.split(" ").forEach(function (c) { if (!seen[c]) { seen[c] = 1; classes.push(c); } }); });
    var own = on.filter(function (l) { return !l.al; }).map(function (l) { return l.title; });
    var title = (own.length ? own : on.map(function (l) { return l.title; })).join("\n");
    var als = on.filter(function (l) { return l.al; }).map(function (l) { return l.al; }).join(" ");
    var tag = on.some(function (l) { return l.mark; }) ? "mark" : "span";
    return el(tag, { class: classes.join(" "), title: title, "data-al": als || null }, chunk);
  }

  function renderText(text, ls) {
    var n = text.length;
    var starts = {}, ends = {}, markers = {}, bounds = {};
    bounds[0] = 1; bounds[n] = 1;
    ls.forEach(function (l, k) {
      (starts[l.s] = starts[l.s] || []).push(k);
      (ends[l.e] = ends[l.e] || []).push(k);
      bounds[l.s] = 1; bounds[l.e] = 1;
      if (l.anchor) (markers[l.s] = markers[l.s] || []).push(l);
    });
    // a line break and the whitespace after it: two or more newlines start a paragraph
    var breaks = {};
    var re = /[\n\r\u2028\u2029\x85]\s*/g, m;
    while ((m = re.exec(text)) !== null) {
      var lines = (m[0].match(/\r\n|[\n\r\u2028\u2029\x85]/g) || []).length;
      breaks[m.index] = { end: m.index + m[0].length, para: lines > 1 || m[0].indexOf("\u2029") >= 0 };
      bounds[m.index] = 1; bounds[m.index + m[0].length] = 1;
    }
    var points = Object.keys(bounds).map(Number).sort(function (x, y) { return x - y; });
    var root = el("div", { class: "text" });
    var p = el("p", { dir: "auto" });
    root.appendChild(p);
    var active = [];
    var skipUntil = -1;
    for (var i = 0; i + 1 < points.length; i++) {
      var at = points[i], to = points[i + 1];
      (ends[at] || []).forEach(function (k) { var x = active.indexOf(k); if (x >= 0) active.splice(x, 1); });
      (starts[at] || []).forEach(function (k) { active.push(k); });
      if (breaks[at]) {
        skipUntil = breaks[at].end;
        if (breaks[at].para) { p = el("p", { dir: "auto" }); root.appendChild(p); }
        else p.appendChild(el("br"));
      }
      (markers[at] || []).forEach(function (l) {
        p.appendChild(l.num
          ? el("span", { id: l.anchor, class: l.moved ? "num moved" : "num", "data-n": l.moved ? l.num + "\u2195" : l.num, "data-al": l.al })
          : el("span", { id: l.anchor }));
      });
      if (at < skipUntil) continue;
      var chunk = text.slice(at, to);
      p.appendChild(active.length ? runElement(ls, active, chunk) : document.createTextNode(chunk));
    }
    return root;
  }

  function meter(label, value) {
    var fill = el("span");
    fill.style.width = (Math.max(0, Math.min(1, value)) * 100).toFixed(1) + "%";
    return el("div", { class: "stat" }, label ? el("span", { class: "lbl", text: label }) : null,
      el("span", { class: "meter" }, fill), el("b", { text: pct(value) }));
  }

  // What to call a document: its title, id or URL, else the first line of its text.
  function docName(doc) {
    if (doc.title || doc.id || doc.url) return doc.title || doc.id || doc.url;
    var first = (doc.text || "").split(/\n/).map(function (l) { return l.trim(); })
      .filter(Boolean)[0];
    return first || "pasted text";
  }

  function docLabel(doc, side) {
    var name = docName(doc);
    var meta = [];
    if (doc.url && /^https?:\/\//i.test(doc.url)) {
      meta.push(el("a", { href: doc.url, rel: "noopener noreferrer", target: "_blank", text: doc.url }));
    } else if (doc.url) meta.push(doc.url);
    [doc.byline, doc.date, doc.language].forEach(function (x) { if (x) meta.push(x); });
    meta.push((doc.text || "").length.toLocaleString("en") + " chars");
    var line = el("span", { class: "meta" });
    meta.forEach(function (m, i) { if (i) line.appendChild(document.createTextNode(" · ")); append(line, m); });
    return el("div", null, el("span", { class: "side-tag", text: side }), " ", el("b", { text: shorten(name, 120) }), el("br"), line);
  }

  // the rewrite note follows the learned direction, as the reason does
  function verdictNote(report) {
    var p = report.probabilities || {};
    if (report.verdict === "rewrite" && typeof p.a_is_source === "number") {
      // within 0.05 of one half the direction is a coin toss (retold.types.source_of)
      if (Math.abs(p.a_is_source - 0.5) < 0.05) return "one is rewritten from the other";
      if (p.a_is_source < 0.5) return "A is rewritten from B";
    }
    return VERDICT_NOTE[report.verdict] || "";
  }

  function renderReport(report) {
    var counts = {};
    KINDS.forEach(function (k) { counts[k] = 0; });
    report.alignments.forEach(function (al) { counts[al.kind] = (counts[al.kind] || 0) + 1; });
    var kinds = [];
    KINDS.forEach(function (k) { if (counts[k]) kinds.push(" ", el("span", { class: "chip k-" + k, text: counts[k] + " " + k })); });
    var moved = report.alignments.filter(function (al) { return al.moved; }).length;
    if (moved) kinds.push(" ", el("span", { class: "chip moved-chip", text: moved + " moved" }));
    var loose = report.alignments.filter(function (al) { return al.loose; }).length;
    if (loose) kinds.push(" ", el("span", { class: "chip loose-chip", text: loose + " loose", title: "paired by the names, numbers and rare words shared" }));
    var nb = ((report.boilerplate || {}).a || []).length, mb = ((report.boilerplate || {}).b || []).length;
    var summary = el("section", { class: "summary" },
      el("div", { class: "verdict v-" + report.verdict, id: "verdict" },
        el("span", { text: "verdict" }), el("strong", { text: report.verdict }),
        el("small", { text: verdictNote(report) })),
      el("div", { class: "stats" },
        meter("similarity", report.similarity),
        meter("A covered by B", report.coverage.a_in_b),
        meter("B covered by A", report.coverage.b_in_a)),
      el("ul", { class: "counts" },
        el("li", null, el("b", { text: String(report.alignments.length) }),
          " aligned passage" + (report.alignments.length === 1 ? "" : "s"), kinds),
        el("li", null, el("span", { class: "chip added", text: report.added.length + " added" }),
          " passages only in B"),
        el("li", null, el("span", { class: "chip dropped", text: report.dropped.length + " dropped" }),
          " passages of A not in B"),
        el("li", null, el("b", { text: String(report.changes.length) }), " changes · ",
          el("span", { class: "chip boiler-chip", text: nb + " + " + mb + " boilerplate" }),
          " blocks set aside (A + B)"),
        // what the decision rests on, and which text is likelier the source
        report.why ? el("li", { class: "why", id: "why", text: report.why }) : null));

    var changes;
    if (!report.changes.length) {
      changes = el("section", { class: "changes" }, el("h2", { text: "Changes" }),
        el("p", { class: "none", text: "No changed quotes, numbers, names or dates in the aligned passages." }));
    } else {
      var ordered = report.changes.map(function (c, i) { return [i + 1, c]; });
      ordered.sort(function (x, y) {
        var kx = CHANGE_ORDER[x[1].kind] === undefined ? 99 : CHANGE_ORDER[x[1].kind];
        var ky = CHANGE_ORDER[y[1].kind] === undefined ? 99 : CHANGE_ORDER[y[1].kind];
        return kx - ky || x[1].a[0] - y[1].a[0] || x[1].b[0] - y[1].b[0];
      });
      var rows = ordered.map(function (jc) {
        var j = jc[0], ch = jc[1];
        return el("tr", { class: "row-" + ch.kind },
          el("td", null, el("span", { class: "ckind change-" + ch.kind, text: ch.kind })),
          el("td", null, el("a", { href: "#", "data-jump": "a-ch-" + j, text: ch.a_text })),
          el("td", null, el("a", { href: "#", "data-jump": "b-ch-" + j, text: ch.b_text })),
          el("td", { text: ch.detail || "" }));
      });
      changes = el("section", { class: "changes" },
        el("h2", null, "Changes ", el("small", { text: "(" + report.changes.length + ")" })),
        el("table", { id: "changes-table" },
          el("thead", null, el("tr", null, el("th", { text: "kind" }), el("th", { text: "A" }), el("th", { text: "B" }), el("th", { text: "detail" }))),
          el("tbody", null, rows)));
    }

    var legend = el("div", { class: "legend", "aria-label": "legend" },
      el("span", { class: "al k-verbatim", text: "verbatim" }),
      el("span", { class: "al k-near-verbatim", text: "near-verbatim" }),
      el("span", { class: "al k-paraphrase", text: "paraphrase" }),
      el("span", { class: "dropped", text: "dropped (only in A)" }),
      el("span", { class: "added", text: "added (only in B)" }),
      el("mark", { class: "change change-quote", text: "changed quote" }),
      el("mark", { class: "change change-number", text: "other change" }),
      el("mark", { class: "change change-credit", text: "credit" }),
      el("span", { class: "legend-moved" }, el("span", { class: "num moved", "data-n": "\u2195" }), "moved passage"),
      el("span", { class: "boiler", text: "boilerplate" }),
      el("span", { class: "hint", text: "hover or click a passage to find its counterpart" }));

    var sides = ["a", "b"].map(function (side) {
      var doc = report.documents[side];
      var name = docName(doc);
      return el("div", { class: "side side-" + side, id: "side-" + side, lang: doc.language || null },
        el("h3", null, el("span", { class: "side-tag", text: side.toUpperCase() }), " ", shorten(name, 90)),
        renderText(doc.text || "", layers(report, side)));
    });
    var docs = el("div", { class: "docs" }, docLabel(report.documents.a, "A"), docLabel(report.documents.b, "B"));
    var frag = el("div", { class: "report", id: "report" }, docs, summary, changes, legend,
      el("div", { class: "texts" }, sides));
    wireHighlights(frag);
    return frag;
  }

  // Hover shows an alignment's counterpart; click scrolls the other side to it.
  function wireHighlights(root) {
    var index = {}, lit = [];
    root.querySelectorAll("[data-al]").forEach(function (e) {
      e.dataset.al.split(" ").forEach(function (k) { (index[k] = index[k] || []).push(e); });
    });
    function ids(t) { var e = t.closest && t.closest("[data-al]"); return e ? e.dataset.al.split(" ") : []; }
    function show(list) {
      lit.forEach(function (e) { e.classList.remove("hl"); });
      lit = [];
      list.forEach(function (k) { (index[k] || []).forEach(function (e) { e.classList.add("hl"); lit.push(e); }); });
    }
    root.addEventListener("mouseover", function (ev) { show(ids(ev.target)); });
    root.addEventListener("mouseleave", function () { show([]); });
    root.addEventListener("click", function (ev) {
      var jump = ev.target.closest("[data-jump]");
      if (jump) {
        ev.preventDefault();
        var t = root.querySelector("#" + jump.dataset.jump);
        if (t) t.scrollIntoView({ block: "center", behavior: "smooth" });
        return;
      }
      var list = ids(ev.target);
      if (!list.length) return;
      var side = ev.target.closest(".side");
      show(list);
      var target = (index[list[0]] || []).find(function (e) { return e.closest(".side") !== side; });
      if (target) target.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }

  // ---- compare ----

  function onCompare(ev) {
    ev.preventDefault();
    var a = $("compare-a").value, b = $("compare-b").value;
    var out = $("compare-result");
    if (!a.trim() || !b.trim()) {
      clear(out);
      out.appendChild(errorBox({ code: "empty_input", message: "paste an article (or a link) on both sides" }));
      return;
    }
    var body = { a: a, b: b };
    $("compare-go").disabled = true;
    $("compare-download").disabled = true;
    setStatus("compare-status", "comparing…", true);
    var t0 = performance.now();
    api("POST", "/api/compare", body).then(function (report) {
      clear(out);
      out.appendChild(renderReport(report));
      lastCompare = body;
      $("compare-download").disabled = false;
      setStatus("compare-status", "compared in " + ((performance.now() - t0) / 1000).toFixed(1) + " s");
    }, function (err) {
      clear(out);
      out.appendChild(errorBox(err));
      setStatus("compare-status", "");
    }).then(function () { $("compare-go").disabled = false; });
  }

  function onDownload() {
    if (!lastCompare) return;
    var body = Object.assign({ format: "html" }, lastCompare);
    setStatus("compare-status", "rendering the report…", true);
    api("POST", "/api/compare", body).then(function (html) {
      var url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      var a = el("a", { href: url, download: "retold-report.html" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      setStatus("compare-status", "report downloaded");
    }, function (err) { setStatus("compare-status", err.message); });
  }

  function onSwap() {
    var a = $("compare-a"), b = $("compare-b"), t = a.value;
    a.value = b.value;
    b.value = t;
  }

  // ---- sources (search) ----

  function verdictChip(v) {
    return el("span", { class: "verdict-chip v-" + v, text: v });
  }

  function renderResults(data) {
    var results = data.results || [];
    if (!results.length) {
      return el("div", { class: "notice", id: "no-sources" },
        "No indexed article looks like a source of this one.");
    }
    var rows = results.map(function (r, i) {
      var title = r.title || r.url || r.id;
      var sub = [r.id !== title ? r.id : null, r.url !== title ? r.url : null, r.publisher, r.published]
        .filter(Boolean).join(" · ");
      return el("tr", { class: r.verdict === "unrelated" ? "source weak" : "source" },
        el("td", { class: "num-col", text: String(i + 1) }),
        el("td", null,
          el("div", { class: "title", text: shorten(title, 140) }),
          sub ? el("div", { class: "sub", text: sub }) : null,
          (r.credits || []).length ? el("div", { class: "credits", text: "credit: " + r.credits.join("; ") }) : null),
        el("td", null, r.verdict ? verdictChip(r.verdict) : el("span", { class: "none", text: "not verified" })),
        el("td", { class: "score" }, typeof r.similarity === "number" ? meter("", r.similarity) : ""),
        el("td", { class: "score", text: typeof r.p_source === "number" ? pct(r.p_source) : "–" }),
        el("td", { class: "score", text: r.coverage ? pct(r.coverage.b_in_a) : "–" }),
        el("td", null, el("button", { type: "button", "data-compare-id": r.id, text: "Compare" })));
    });
    return el("table", { class: "sources", id: "sources-table" },
      el("thead", null, el("tr", null, el("th", { text: "#" }), el("th", { text: "indexed article" }),
        el("th", { text: "verdict" }), el("th", { text: "similarity" }),
        el("th", { text: "source", title: "chance your article was made from this one (and not the other way round)" }),
        el("th", { text: "of yours found in it", title: "share of the pasted article aligned to the indexed one" }),
        el("th"))),
      el("tbody", null, rows));
  }

  function onSearch(ev) {
    ev.preventDefault();
    var text = $("search-text").value;
    var out = $("search-result");
    if (!text.trim()) {
      clear(out);
      out.appendChild(errorBox({ code: "empty_input", message: "paste an article (or a link) to look for its sources" }));
      return;
    }
    $("search-go").disabled = true;
    setStatus("search-status", "searching…", true);
    var t0 = performance.now();
    api("POST", "/api/search", { article: text, k: Number($("search-k").value) }).then(function (data) {
      clear(out);
      out.appendChild(renderResults(data));
      setStatus("search-status", (data.results || []).length + " candidates in " + ((performance.now() - t0) / 1000).toFixed(1) + " s");
    }, function (err) {
      clear(out);
      out.appendChild(errorBox(err));
      setStatus("search-status", "");
    }).then(function () { $("search-go").disabled = false; });
  }

  // "Compare" on a result: the indexed article as A, the pasted one as B.
  function onResultClick(ev) {
    var btn = ev.target.closest("[data-compare-id]");
    if (!btn) return;
    var id = btn.dataset.compareId;
    btn.disabled = true;
    api("GET", "/api/documents/" + encodeURIComponent(id)).then(function (doc) {
      $("compare-a").value = doc.text;
      $("compare-b").value = $("search-text").value;
      location.hash = "#/compare";
      $("compare-form").requestSubmit();
    }, function (err) {
      $("search-result").prepend(errorBox(err));
    }).then(function () { btn.disabled = false; });
  }

  function onAdd(ev) {
    ev.preventDefault();
    var text = $("add-text").value;
    if (!text.trim()) { setStatus("add-status", "paste an article or a link first"); return; }
    var doc = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\/\S*$/.test(text.trim()) ? { url: text.trim() } : { text: text };
    if ($("add-id").value.trim()) doc.id = $("add-id").value.trim();
    if ($("add-title").value.trim()) doc.title = $("add-title").value.trim();
    var headers = {};
    var token = $("add-token").value.trim();
    if (token) headers.Authorization = "Bearer " + token;
    $("add-go").disabled = true;
    setStatus("add-status", "adding…", true);
    api("POST", "/api/documents", { documents: [doc] }, headers).then(function (res) {
      var id = (res.ids || [])[0] || "";
      var msg = res.added ? "added as " + id
        : res.skipped ? "already indexed as " + id
        : res.duplicates ? "the same text is already indexed under another id"
        : res.rejected && res.rejected.length ? "rejected: " + res.rejected[0].reason : "nothing added";
      setStatus("add-status", msg);
      if (res.added) { $("add-text").value = ""; $("add-id").value = ""; $("add-title").value = ""; }
      refreshIndexInfo();
    }, function (err) {
      setStatus("add-status", err.code + ": " + err.message);
    }).then(function () { $("add-go").disabled = false; });
  }

  function refreshIndexInfo() {
    if (health && !health.index) {
      $("index-info").textContent = "This server has no index: start it with retold serve --index DIR to search.";
      return;
    }
    api("GET", "/api/index").then(function (s) {
      var n = Number(s.documents || 0);
      $("index-info").textContent = "The index holds " + n.toLocaleString("en") + " article" + (n === 1 ? "" : "s") + ".";
    }, function () { $("index-info").textContent = ""; });
  }

  // ---- stories ----

  function loadStories(id) {
    var out = $("stories-result");
    clear(out);
    out.appendChild(el("p", { class: "status busy", text: "loading stories…" }));
    var path = id ? "/api/stories/" + encodeURIComponent(id) : "/api/stories";
    api("GET", path).then(function (data) {
      clear(out);
      out.appendChild(id ? renderStory(data) : renderStories(data));
    }, function (err) {
      clear(out);
      if (err.status === 501) {
        out.appendChild(el("div", { class: "notice", id: "stories-unavailable" },
          el("b", { text: "Stories are not available yet. " }),
          "Clustering indexed articles into stories comes in a later version of retold; " +
          "compare two articles or find the sources of one meanwhile."));
      } else out.appendChild(errorBox(err));
    });
  }

  function renderStories(data) {
    var list = data.stories || data || [];
    var body = !list.length
      ? el("div", { class: "notice", text: "No stories yet: add articles to the index." })
      : el("ul", { class: "stories" }, list.map(function (s) {
        var n = s.size || (s.documents || s.articles || []).length;
        var edges = (s.edges || []).length;
        return el("li", null, el("a", { href: "#/stories/" + encodeURIComponent(s.id), text: s.label || s.title || s.id }),
          n ? el("span", { class: "sub", text: " · " + n + " articles · " + edges + " derivations" }) : null);
      }));
    // the server never links inside a request: say what waits for `retold stories`
    if (!data.note) return body;
    return el("div", null, el("p", { class: "notice", id: "stories-unlinked", text: data.note }), body);
  }

  function renderStory(story) {
    var parent = {};
    (story.edges || []).forEach(function (e) { parent[e.to] = e; });
    var docs = story.articles || [];
    return el("div", { class: "story" },
      el("p", null, el("a", { href: "#/stories", text: "← all stories" })),
      el("h2", { text: story.label || story.id }),
      el("ul", { class: "stories" }, docs.map(function (id) {
        var e = parent[id];
        return el("li", { "data-article": id }, el("b", { text: id }),
          el("div", { class: "sub", text: e
            ? e.verdict + " of " + e.from + " (" + Math.round(e.coverage * 100) + "% of it from there)"
            : "original or independent report" }),
          // what this copy did to its source's credits
          e && (e.credits || []).length
            ? el("div", { class: "credits", text: "credit: " + e.credits.join("; ") }) : null);
      })));
  }

  // ---- start ----

  document.addEventListener("DOMContentLoaded", function () {
    $("compare-form").addEventListener("submit", onCompare);
    $("compare-swap").addEventListener("click", onSwap);
    $("compare-download").addEventListener("click", onDownload);
    $("search-form").addEventListener("submit", onSearch);
    $("search-result").addEventListener("click", onResultClick);
    $("add-form").addEventListener("submit", onAdd);
    // Ctrl/Cmd+Enter submits the form of the focused text area
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.form) {
        ev.preventDefault();
        ev.target.form.requestSubmit();
      }
    });
    window.addEventListener("hashchange", route);
    api("GET", "/api/health").then(function (h) {
      health = h;
      $("version").textContent = "retold " + h.version;
      $("add-token-label").hidden = !h.token_required;
      if (!h.index) {
        $("search-go").disabled = true;
        $("add-go").disabled = true;
      }
    }).then(route, route);
  });
})();
