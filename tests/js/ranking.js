/* The screens' ranking (static/js/live.js: ranking) under Node, for tests/test_ranking.py.
 * stdin: [{results: [...], dots: {id: n}}, ...]; stdout: each case's ids in ranking order. */
"use strict";
var live = require("./load_live")();

var cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(function (given) {
  return live.ranking(given.results, function (r) { return given.dots[r.id]; }).map(function (r) { return r.id; });
})));
