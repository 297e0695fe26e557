"""Light pages for cheap phones on bad Wi-Fi: gzip and long-lived, fingerprinted assets.

- Every text response (HTML, CSS, JavaScript, JSON, SVG) of 512 bytes or more goes out
  gzip-compressed to clients that accept it; static files are compressed once per version
  and kept in memory (they are few and small).
- Static URLs carry a fingerprint of the file (``?v=<hash>``): such a URL never changes
  its content, so browsers may keep it for a year; a new version gets a new URL.
- Our own scripts and stylesheet go out minified (rjsmin, rcssmin: comments and spaces
  out, a quarter fewer bytes after gzip); the files in the repository keep them.

Socket.IO traffic does not pass through here (Engine.IO answers before Flask).
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask, request

COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "text/markdown", "text/csv", "application/atom+xml", "text/plain"}
MIN_SIZE = 512
YEAR = 365 * 24 * 3600
_fingerprints: dict[tuple[str, float], str] = {}
_gzipped: dict[tuple[str, str], bytes] = {}
_minified: dict[tuple[str, str], bytes] = {}


def init_app(app: Flask) -> None:
    """Fingerprint static URLs, cache fingerprinted files for a year, gzip text responses."""
    static = Path(app.static_folder)

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = fingerprint(static / values["filename"])

    default_max_age = app.get_send_file_max_age

    def max_age(filename):
        # Only a URL whose fingerprint matches the file on disk may be kept that long.
        if request.args.get("v") and request.args["v"] == fingerprint(static / (filename or "")):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age
    app.after_request(compress)


def fingerprint(path: Path) -> str:
    """A short hash of a file's content (recomputed when the file changes)."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return ""
    key = (str(path), mtime)
    if key not in _fingerprints:
        _fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _fingerprints[key]


def _minifiable(path: str) -> bool:
    return path.endswith((".js", ".css")) and "/vendor/" not in path and ".min." not in path


def _minify(path: str, version: str, data: bytes) -> bytes:
    """A script or stylesheet without comments and spare spaces (cached per version)."""
    key = (path, version)
    if key not in _minified:
        text = data.decode("utf-8")
        small = rcssmin.cssmin(text) if path.endswith(".css") else rjsmin.jsmin(text)
        if not version:
            return small.encode("utf-8")
        _minified[key] = small.encode("utf-8")
    return _minified[key]


def compress(response):
    """gzip a text response for a client that accepts it (after the page is built)."""
    if response.mimetype in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
    static_file = request.endpoint == "static"
    if response.status_code == 200 and static_file and _minifiable(request.path):
        response.direct_passthrough = False
        response.set_data(_minify(request.path, request.args.get("v", ""), response.get_data()))
    if (response.status_code != 200 or response.mimetype not in COMPRESSIBLE or (response.is_streamed and not static_file)
            or "Content-Encoding" in response.headers or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    response.direct_passthrough = False  # a static file comes as a file wrapper: read it to compress
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    static = static_file and request.args.get("v")
    key = (request.path, request.args.get("v", ""))
    body = _gzipped.get(key) if static else None
    if body is None:
        body = gzip.compress(data, compresslevel=6, mtime=0)
        if static:
            _gzipped[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if response.headers.get("ETag"):  # another representation, another validator
        response.set_etag(response.get_etag()[0] + "-gzip", weak=True)
    return response
