/* static/js/live.js loaded under Node, as a page would: its window.Tischrunde. */
"use strict";
var fs = require("fs");
var path = require("path");
var vm = require("vm");

module.exports = function loadLive() {
  var noop = function () {};
  // live.js reads the page language and listens for focus when it loads; nothing else of the page.
  var page = { addEventListener: noop, getElementById: function () { return null; }, documentElement: { getAttribute: function () { return "de"; } } };
  var sandbox = { window: {}, document: page };
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(path.join(__dirname, "..", "..", "static", "js", "live.js"), "utf8"), sandbox);
  return sandbox.window.Tischrunde;
};
