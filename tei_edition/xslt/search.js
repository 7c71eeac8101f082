/* tei-edition search page. Reads the index that tei_edition/search.py writes into search/,
   by <script> elements only: the one way a page opened from file:// may read other files.
   Text reaches the page through textContent, never as HTML. */
(function () {
  "use strict";

  var state = { docs: [], shards: {}, persons: [], terms: {}, passages: {}, waiting: {} };
  var BASE = "search/";

  // ------------------------------------------------------------ what the index files call
  window.teSearch = {
    documents: function (docs, shards) {
      state.docs = docs;
      shards.forEach(function (s) { state.shards[s] = true; });
    },
    persons: function (persons) { state.persons = persons; },
    // Rows of [document, "term term …", "count count …"]: the postings are made here.
    terms: function (shard, rows) {
      var map = {};
      rows.forEach(function (row) {
        var terms = row[1].split(" "), counts = row[2].split(" ");
        for (var i = 0; i < terms.length; i++) {
          (map[terms[i]] || (map[terms[i]] = [])).push(row[0], +counts[i]);
        }
      });
      state.terms[shard] = map;
    },
    passages: function (doc, passages) { state.passages[doc] = passages; }
  };

  // ------------------------------------------------------------ text as the index has it
  function normalise(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }
  function tokens(text) {
    return (normalise(text).match(/[\p{L}\p{N}]+/gu) || []).map(function (t) {
      return t.slice(0, 40);
    });
  }
  function shardOf(term) {
    var c = term.charAt(0);
    return c >= "a" && c <= "z" ? c : c >= "0" && c <= "9" ? "0" : "_";
  }

  // ------------------------------------------------------------ loading index files
  function load(path, ready) {
    if (state.waiting[path] === true) { ready(); return; }
    if (state.waiting[path]) { state.waiting[path].push(ready); return; }
    state.waiting[path] = [ready];
    var script = document.createElement("script");
    script.src = BASE + path;
    script.onload = script.onerror = function () {
      var callbacks = state.waiting[path];
      state.waiting[path] = true;
      callbacks.forEach(function (f) { f(); });
    };
    document.body.appendChild(script);
  }
  function loadAll(paths, ready) {
    var left = paths.length;
    if (!left) { ready(); return; }
    paths.forEach(function (p) { load(p, function () { if (--left === 0) ready(); }); });
  }

  // ------------------------------------------------------------ ranking
  // Every word of the query must occur in a document (as a word or the start of one); a
  // document scores the sum of tf x idf of the terms that match, whole words counting double.
  function rank(words) {
    var n = state.docs.length, scores = null;
    words.forEach(function (word) {
      var terms = state.terms[shardOf(word)] || {}, these = {};
      Object.keys(terms).forEach(function (term) {
        if (term.lastIndexOf(word, 0) !== 0) return;
        var postings = terms[term], df = postings.length / 2;
        var weight = Math.log(1 + n / df) * (term === word ? 2 : 1);
        for (var i = 0; i < postings.length; i += 2) {
          these[postings[i]] = (these[postings[i]] || 0) + postings[i + 1] * weight;
        }
      });
      if (scores === null) { scores = these; return; }
      var both = {};
      Object.keys(scores).forEach(function (d) { if (d in these) both[d] = scores[d] + these[d]; });
      scores = both;
    });
    return Object.keys(scores || {}).map(Number).sort(function (a, b) {
      return scores[b] - scores[a] || a - b;
    });
  }

  function matches(text, words) {
    var found = 0, have = tokens(text);
    words.forEach(function (w) {
      if (have.some(function (t) { return t.lastIndexOf(w, 0) === 0; })) found++;
    });
    return found;
  }

  // The passage of a document that holds most of the words (the first of the best).
  function bestPassage(name, words) {
    var best = null, score = 0;
    (state.passages[name] || []).forEach(function (p) {
      var s = matches(p[1] + " " + p[2], words);
      if (s > score) { best = p; score = s; }
    });
    return best;
  }

  // ------------------------------------------------------------ showing results
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // Some thirty words around the first match, the matching words in <mark>.
  function excerpt(text, words) {
    var parts = text.split(/(\s+)/), first = -1;
    var hit = parts.map(function (part) {
      var t = tokens(part);
      return t.some(function (x) {
        return words.some(function (w) { return x.lastIndexOf(w, 0) === 0; });
      });
    });
    first = hit.indexOf(true);
    var from = Math.max(0, first - 24), to = Math.min(parts.length, Math.max(first, 0) + 36);
    var p = el("p", "excerpt");
    if (from > 0) p.appendChild(document.createTextNode("… "));
    for (var i = from; i < to; i++) {
      p.appendChild(hit[i] ? el("mark", "", parts[i]) : document.createTextNode(parts[i]));
    }
    if (to < parts.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  function showPersons(words) {
    var box = document.getElementById("person-results"), list = box.querySelector("ul");
    list.textContent = "";
    var found = state.persons.filter(function (p) {
      return matches([p[0]].concat(p[1]).join(" "), words) === words.length;
    }).slice(0, 20);
    found.forEach(function (p) {
      var li = el("li"), a = el("a", "person", p[0]);
      a.href = p[2];
      li.appendChild(a);
      li.appendChild(document.createTextNode(
        p[3] === 1 ? " (1 document)" : " (" + p[3] + " documents)"));
      list.appendChild(li);
    });
    box.hidden = found.length === 0;
    return found.length;
  }

  function showDocuments(order, words) {
    var list = document.getElementById("results");
    list.textContent = "";
    order.slice(0, 50).forEach(function (i, k) {
      var d = state.docs[i], li = el("li", "result"), a = el("a", "result-title", d[1]);
      a.href = d[3];
      li.appendChild(a);
      if (d[2]) li.appendChild(el("span", "date", " " + d[2].slice(0, 10)));
      list.appendChild(li);
      if (k < 20) {
        load("docs/" + encodeURIComponent(d[0]) + ".js", function () {
          var p = bestPassage(d[0], words);
          if (!p) return;
          if (p[0]) a.href = d[3] + "#" + p[0];
          var where = el("p", "passage-label", p[1] ? p[1] + ":" : "");
          if (p[1]) li.appendChild(where);
          li.appendChild(excerpt(p[2], words));
        });
      }
    });
  }

  var current = 0;
  function run(query) {
    var words = tokens(query), ticket = ++current;
    var status = document.getElementById("status");
    if (!words.length) {
      status.textContent = "";
      showPersons([]);
      document.getElementById("results").textContent = "";
      return;
    }
    var shards = words.map(shardOf).filter(function (s, i, all) {
      return state.shards[s] && all.indexOf(s) === i;
    });
    loadAll(shards.map(function (s) { return "terms-" + s + ".js"; }), function () {
      if (ticket !== current) return;  // a newer query was typed meanwhile
      var people = showPersons(words), order = rank(words);
      showDocuments(order, words);
      status.textContent = order.length + (order.length === 1 ? " document" : " documents") +
        (people ? ", " + people + (people === 1 ? " person" : " persons") : "") + ".";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q"), timer = null;
    var form = input.form;
    form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 150);
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; run(q); }
    input.focus();
  });
})();
