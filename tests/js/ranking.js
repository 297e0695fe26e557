/* The screens' ranking (static/js/live.js: ranking) under Node, for tests/test_ranking.py.
 * stdin: {results: [...], dots: {id: n}}; stdout: the results' ids in ranking order. */
"use strict";
var live = require("./load_live")();

var given = JSON.parse(require("fs").readFileSync(0, "utf8"));
var ranked = live.ranking(given.results, function (r) { return given.dots[r.id]; });
process.stdout.write(JSON.stringify(ranked.map(function (r) { return r.id; })));
