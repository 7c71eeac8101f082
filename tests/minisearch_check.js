// The index tei-edition writes, loaded as search.html loads it, against the index MiniSearch
// builds itself from the same documents (tests/test_search.py runs this with node).
// usage: node minisearch_check.js SITE INPUT.json  (INPUT: {docs, queries})
"use strict";
const fs = require("fs"), path = require("path"), vm = require("vm");
const [site, input] = process.argv.slice(2);
const { docs, queries } = JSON.parse(fs.readFileSync(input, "utf8"));
const ctx = { console };
vm.createContext(ctx);
const run = (file) => vm.runInContext(fs.readFileSync(file, "utf8"), ctx, { filename: file });
const dir = path.join(site, "search");
run(path.join(dir, "minisearch.js"));
run(path.join(dir, "search.js"));
for (const f of fs.readdirSync(dir).sort()) {
  if (f.endsWith(".js") && f !== "minisearch.js" && f !== "search.js") run(path.join(dir, f));
}
const T = ctx.teSearch, MiniSearch = ctx.MiniSearch;

// A serialised index with document names for short ids, sorted, lengths rounded.
function normal(ms) {
  const js = JSON.parse(JSON.stringify(ms)), ids = js.documentIds;
  const byName = (o) => Object.fromEntries(Object.keys(o).map((k) => [ids[k], o[k]]).sort());
  return {
    documentCount: js.documentCount, fieldIds: js.fieldIds,
    averageFieldLength: js.averageFieldLength.map((x) => x.toFixed(9)),
    fieldLength: byName(js.fieldLength), storedFields: byName(js.storedFields),
    index: js.index.map(([term, fields]) => [term, Object.fromEntries(
      Object.keys(fields).map((f) => [f, byName(fields[f])]))]).sort((a, b) => a[0] < b[0] ? -1 : 1),
  };
}
function answers(ms, options) {
  // Equal scores come in the order of MiniSearch's short ids, which differ: by name then.
  return queries.map((q) => ms.search(q, options).map((r) => [r.id, r.score.toFixed(9), [...r.terms].sort()])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

const letters = "0abcdefghijklmnopqrstuvwxyz_".split("");
const written = MiniSearch.loadJS(T.assemble(letters), T.options);
const built = new MiniSearch(T.options);
built.addAll(docs);
console.log(JSON.stringify({
  index: [normal(written), normal(built)],
  exact: [answers(written, T.exact), answers(built, T.exact)],
  fuzzy: [answers(written, T.fuzzy), answers(built, T.fuzzy)],
  persons: queries.map((q) => T.people().search(q, T.exact).map((r) => r.name)),
  // A query loads only its letters: the same answers from the index of those alone.
  one: queries.map((q) => {
    const ls = [...new Set(T.tokenize(q).map((t) => /[a-z]/.test(t[0]) ? t[0] : /[0-9]/.test(t[0]) ? "0" : "_"))];
    const part = MiniSearch.loadJS(T.assemble(ls), T.options);
    return JSON.stringify(answers(part, T.exact)[queries.indexOf(q)]) ===
      JSON.stringify(answers(built, T.exact)[queries.indexOf(q)]);
  }),
}));
