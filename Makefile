# The two commands of the README, plus the checks CI runs.  Each target creates .venv itself.
.PHONY: demo test lint typecheck docs bench venv

PY := .venv/bin/python

venv:
	@scripts/venv.sh

demo: venv
	@$(PY) example/run_demo.py $(ARGS)

test: venv
	@$(PY) -m pytest $(ARGS)

lint: venv
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check powercrud_signals

typecheck: venv
	@$(PY) -m mypy

docs: venv
	@NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

bench: venv
	@$(PY) bench/run.py $(ARGS)
