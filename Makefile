# Tischrunde: `make run` and `make test` do all the set-up on a fresh Debian machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: lock install run test bench chromium libreoffice redis nodejs nginx extract clean

# The venv and the compiled translations, without starting anything (a town's service, deploy/).
install: $(VENV)/.installed $(MO)

run: $(VENV)/.installed $(MO)
	$(PY) app.py

test: $(VENV)/.test-installed $(MO) chromium libreoffice redis nodejs nginx
	$(PY) -m pytest

bench: $(VENV)/.test-installed $(MO) redis
	$(PY) bench/fanout.py --scenario S1 --compare 1
	$(PY) bench/fanout.py --scenario S2B --compare 1
	$(PY) bench/fanout.py --scenario S2B --servers 2
	$(PY) bench/snapshot_cost.py
	$(PY) bench/card_cost.py
	$(PY) bench/phone_load.py

# Debian's python3 needs python3-venv for `-m venv`; install it when that is what is missing.
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q python3-venv \
	  && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-test.lock
	touch $@

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

# The record's DOCX is opened by LibreOffice in a test (converted to PDF, headless).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "Installing Debian's LibreOffice Writer (no GUI) for the DOCX test"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends libreoffice-writer-nogui; }

# The pages' own update rule (static/js/live.js) runs under Node in tests/test_views.py.
nodejs:
	@command -v node >/dev/null 2>&1 || command -v nodejs >/dev/null 2>&1 || { \
	  echo "Installing Debian's nodejs for the client-rule test"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends nodejs; }

# The deployment kit's nginx site serves in a test (tests/test_deploy.py). Debian's nginx is
# unpacked into the venv, not installed: installing would start a web server on port 80.
NGINX_DIR := $(VENV)/nginx
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x $(NGINX_DIR)/usr/sbin/nginx || { \
	  echo "Unpacking Debian's nginx into $(NGINX_DIR) for the deployment test"; \
	  mkdir -p $(NGINX_DIR) && cd $(NGINX_DIR) && { apt-get download nginx 2>/dev/null || \
	    { $(SUDO) apt-get update -q && apt-get download nginx; }; } && dpkg -x nginx_*.deb . && rm -f nginx_*.deb; }

# Two server processes share their rooms through Redis in a test (tests/test_processes.py).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-server for the multi-process test"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends redis-server; }

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -i $< -o $@

# After changing requirements*.txt: every package of the tree pinned with its hashes
# (pip-tools in a venv of its own); make run, make test and the service install from these.
lock:
	test -x .lock-tools/bin/pip-compile || { $(PYTHON) -m venv .lock-tools && .lock-tools/bin/pip install --quiet pip-tools==7.7.0; }
	.lock-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock requirements.txt
	.lock-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-test.lock requirements-test.txt

# After changing user-facing strings: extract them and update every catalogue.
extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -k plural_forms:1,2 -o translations/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache
