.PHONY: run test install bench
run:        ## install (idempotent) and run the app with demo data on http://localhost:8501
	scripts/run.sh
test:       ## install the dev extras and run every test (unit, AppTest, PostgreSQL, browser)
	scripts/test.sh
install:
	scripts/install.sh
bench:      ## benchmarks (not tests): print ratios against baselines run side by side
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
