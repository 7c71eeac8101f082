/* tei-edition search page. The index is MiniSearch's, serialised by tei_edition/search.py into
   the files of search/ and read by <script> elements only: the one way a page opened from
   file:// may read other files. This script loads the parts a query needs, joins them into
   one serialised index and gives it to MiniSearch.loadJS: nothing is indexed here.
   Text reaches the page through textContent, never as HTML. */
(function (root) {
  "use strict";

  var BASE = "search/";
  var state = {
    letters: {}, personLetters: "", buckets: {}, terms: {}, passages: {}, waiting: {},
    persons: {}, personIndex: null, personsIndexed: "", index: null, indexed: ""
  };

  // ------------------------------------------------------------ text as the index has it
  // The same terms as search.py's tokens(): letters and digits, accents folded, lower case,
  // at most 40 characters. Terms come out of tokenize() finished, so that MiniSearch's field
  // length (distinct tokens) is the number of distinct terms, as search.py counts it.
  function tokenize(text) {
    var words = text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) || [];
    return words.map(function (t) { return t.slice(0, 40); });
  }
  function same(term) { return term; }
  function letterOf(term) {
    var c = term.charAt(0);
    return c >= "a" && c <= "z" ? c : c >= "0" && c <= "9" ? "0" : "_";
  }

  // The options every index is loaded with (loadJS needs those it was written with).
  var OPTIONS = {
    fields: ["title", "text"], storeFields: ["title", "date", "href"],
    tokenize: tokenize, processTerm: same
  };
  var PERSON_OPTIONS = {
    fields: ["names"], storeFields: ["name", "href", "docs"],
    tokenize: tokenize, processTerm: same
  };
  // Every word must match, as a word or the start of one; words of the title weigh double.
  // Only when nothing matches are near misses (one letter in five) tried.
  var EXACT = { combineWith: "AND", prefix: true, boost: { title: 2 } };
  var FUZZY = { combineWith: "AND", prefix: true, fuzzy: 0.2, boost: { title: 2 } };

  // The serialised index of every loaded bucket, with the terms of `letters`: what
  // MiniSearch's toJSON() gives for those documents, less the terms of other letters.
  function assemble(letters) {
    var js = {
      documentCount: 0, nextId: 0, documentIds: {}, fieldIds: { title: 0, text: 1 },
      fieldLength: {}, averageFieldLength: [0, 0], storedFields: {}, dirtCount: 0,
      index: [], serializationVersion: 2
    };
    var sums = [0, 0], merged = new Map();
    Object.keys(state.buckets).forEach(function (b) {
      var part = state.buckets[b];
      js.documentCount += part.documentCount;
      Object.assign(js.documentIds, part.documentIds);
      Object.assign(js.fieldLength, part.fieldLength);
      Object.assign(js.storedFields, part.storedFields);
      Object.keys(part.documentIds).forEach(function (id) {
        js.nextId = Math.max(js.nextId, +id + 1);
      });
      sums = sums.map(function (s, i) { return s + part.lengthSums[i]; });
      letters.forEach(function (l) {
        (state.terms[b + "-" + l] || []).forEach(function (row) { post(merged, row); });
      });
    });
    js.averageFieldLength = sums.map(function (s) {
      return js.documentCount ? s / js.documentCount : 0;
    });
    // By term: the same index whatever order the buckets came in.
    js.index = Array.from(merged).sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
    return js;
  }
  // One document's row of a letter file ([short id, title terms, title counts, text terms,
  // text counts], space-separated) into the entries term -> field id -> short id -> count.
  function post(merged, row) {
    for (var f = 0; f < 2; f++) {
      if (!row[1 + 2 * f]) continue;
      var terms = row[1 + 2 * f].split(" "), counts = row[2 + 2 * f].split(" ");
      for (var i = 0; i < terms.length; i++) {
        var have = merged.get(terms[i]);
        if (!have) { have = {}; merged.set(terms[i], have); }
        (have[f] || (have[f] = {}))[row[0]] = +counts[i];
      }
    }
  }

  // ------------------------------------------------------------ what the index files call
  root.teSearch = {
    shards: function (letters, persons) { state.letters = letters; state.personLetters = persons; },
    bucket: function (b, part) { state.buckets[b] = part; },
    terms: function (b, letter, rows) { state.terms[b + "-" + letter] = rows; },
    persons: function (letter, list) { state.persons[letter] = list; },
    passages: function (doc, passages) { state.passages[doc] = passages; },
    // For the tests, which load a written index in node beside one MiniSearch builds.
    tokenize: tokenize, options: OPTIONS, personOptions: PERSON_OPTIONS, exact: EXACT,
    fuzzy: FUZZY, assemble: assemble, people: people
  };
  // The persons of the letters loaded so far ([name, other forms, page, documents] each; a
  // person is in the file of every letter a word of their names starts with), indexed when
  // a query needs a letter not indexed yet: a few words a person.
  function people() {
    var letters = Object.keys(state.persons).sort().join("");
    if (!state.personIndex || letters !== state.personsIndexed) {
      var seen = {}, all = [];
      letters.split("").forEach(function (l) {
        state.persons[l].forEach(function (p) {
          if (seen[p[2]]) return;
          seen[p[2]] = true;
          all.push({ id: p[2], names: [p[0]].concat(p[1]).join(" "), name: p[0], href: p[2],
                     docs: p[3] });
        });
      });
      state.personIndex = new MiniSearch(PERSON_OPTIONS);
      state.personIndex.addAll(all);
      state.personsIndexed = letters;
    }
    return state.personIndex;
  }

  if (typeof document === "undefined") return;

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

  // The files a query's letters need: every bucket's documents, each bucket's terms of those
  // letters where it has any.
  function files(letters) {
    var paths = [];
    Object.keys(state.letters).forEach(function (b) {
      var name = "b" + (b.length < 2 ? "0" + b : b);
      paths.push(name + ".js");
      letters.forEach(function (l) {
        if (state.letters[b].indexOf(l) >= 0) paths.push(name + "-" + l + ".js");
      });
    });
    letters.forEach(function (l) {
      if (state.personLetters.indexOf(l) >= 0) paths.push("persons-" + l + ".js");
    });
    return paths;
  }

  // One MiniSearch for all letters loaded so far, made again when a query needs a new one.
  function documents(letters) {
    letters.forEach(function (l) {
      if (state.indexed.indexOf(l) < 0) { state.indexed += l; state.index = null; }
    });
    if (!state.index) state.index = MiniSearch.loadJS(assemble(state.indexed.split("")), OPTIONS);
    return state.index;
  }

  // ------------------------------------------------------------ passages and excerpts
  function hits(text, terms) {
    return tokenize(text).filter(function (t) { return terms.indexOf(t) >= 0; }).length;
  }

  // The passage of a document that holds most of the matched terms (the first of the best).
  function bestPassage(name, terms) {
    var best = null, score = 0;
    (state.passages[name] || []).forEach(function (p) {
      var s = hits(p[1] + " " + p[2], terms);
      if (s > score) { best = p; score = s; }
    });
    return best;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // Some sixty words around the first match, the matching words in <mark>.
  function excerpt(text, terms) {
    var parts = text.split(/(\s+)/);
    var hit = parts.map(function (part) { return hits(part, terms) > 0; });
    var first = hit.indexOf(true);
    var from = Math.max(0, first - 24), to = Math.min(parts.length, Math.max(first, 0) + 36);
    var p = el("p", "excerpt");
    if (from > 0) p.appendChild(document.createTextNode("… "));
    for (var i = from; i < to; i++) {
      p.appendChild(hit[i] ? el("mark", "", parts[i]) : document.createTextNode(parts[i]));
    }
    if (to < parts.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  // ------------------------------------------------------------ showing results
  function showPersons(query) {
    var box = document.getElementById("person-results"), list = box.querySelector("ul");
    var index = people();
    list.textContent = "";
    var found = index && query ? index.search(query, EXACT).slice(0, 20) : [];
    found.forEach(function (p) {
      var li = el("li"), a = el("a", "person", p.name);
      a.href = p.href;
      li.appendChild(a);
      li.appendChild(document.createTextNode(
        p.docs === 1 ? " (1 document)" : " (" + p.docs + " documents)"));
      list.appendChild(li);
    });
    box.hidden = found.length === 0;
    return found.length;
  }

  function showDocuments(results) {
    var list = document.getElementById("results");
    list.textContent = "";
    results.slice(0, 50).forEach(function (r, k) {
      var li = el("li", "result"), a = el("a", "result-title", r.title);
      a.href = r.href;
      li.appendChild(a);
      if (r.date) li.appendChild(el("span", "date", " " + r.date.slice(0, 10)));
      list.appendChild(li);
      if (k < 20) {
        load("docs/" + encodeURIComponent(r.id) + ".js", function () {
          var p = bestPassage(r.id, r.terms);
          if (!p) return;
          if (p[0]) a.href = r.href + "#" + p[0];
          if (p[1]) li.appendChild(el("p", "passage-label", p[1] + ":"));
          li.appendChild(excerpt(p[2], r.terms));
        });
      }
    });
  }

  var current = 0;
  function run(query) {
    var words = tokenize(query), ticket = ++current;
    var status = document.getElementById("status");
    if (!words.length) {
      status.textContent = "";
      showPersons("");
      document.getElementById("results").textContent = "";
      return;
    }
    var letters = words.map(letterOf).filter(function (l, i, all) {
      return all.indexOf(l) === i;
    });
    loadAll(files(letters), function () {
      if (ticket !== current) return;  // a newer query was typed meanwhile
      var index = documents(letters);
      var results = index.search(query, EXACT);
      if (!results.length) results = index.search(query, FUZZY);
      var persons = showPersons(query);
      showDocuments(results);
      status.textContent = results.length + (results.length === 1 ? " document" : " documents") +
        (persons ? ", " + persons + (persons === 1 ? " person" : " persons") : "") + ".";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q"), timer = null;
    input.form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 150);
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; run(q); }
    input.focus();
  });
})(typeof window !== "undefined" ? window : globalThis);
