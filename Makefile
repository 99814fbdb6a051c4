# tally — see README.md. `make demo` runs the pipeline on embedded
# defaults; `make test` runs the whole test suite (CI runs exactly this).
GO ?= go
TALLY_PG_DSN ?= postgres://postgres@127.0.0.1:5432/tally_test?sslmode=disable
export TALLY_PG_DSN
BENCH_COUNT ?= 5
BENCH_DEALS ?= 1000000

.PHONY: build demo test bench bench-micro bench-e2e bench-purge lint pg clean fuzz
.PHONY: bench-subjects browser-test screenshot

build:
	$(GO) build -o bin/tally ./cmd/tally

demo: build
	./bin/tally demo $(ARGS)

# PostgreSQL is started if installed; without it the integration tests
# skip locally (and fail under CI=true).
test: pg
	$(GO) test -race -count=1 -timeout 30m ./...

pg:
	@deploy/dev/ensure-postgres.sh --if-installed

# The status page in headless Chromium (Debian's chromium; skips without
# it unless CI=true). `make screenshot` also refreshes docs/status-page.png.
browser-test:
	$(GO) test -count=1 -run TestStatusPageInBrowser ./cmd/tally

screenshot:
	TALLY_SCREENSHOT=$(CURDIR)/docs/status-page.png $(GO) test -count=1 -run TestStatusPageInBrowser ./cmd/tally

bench: bench-micro bench-e2e bench-purge

bench-micro:
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) \
		./transforms/... ./warehouse/... ./pipeline/kafka/... ./connectors/...

# End to end: simulated HubSpot → embedded Kafka → stages → PostgreSQL.
bench-e2e: build pg
	./bin/tally demo --deals $(BENCH_DEALS) --warehouse-dsn "$(TALLY_PG_DSN)"

# Purge: 10M expired fact rows generated in SQL, removed by partition
# drop (tally purge) and by one plain DELETE. Results: BENCHMARKS.md.
PURGE_ROWS ?= 10000000
bench-purge: pg
	TALLY_BENCH_PURGE_ROWS=$(PURGE_ROWS) $(GO) test -run '^$$' -bench BenchmarkPurge -benchtime 1x -timeout 120m ./warehouse/

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin tally-demo

# Subject rights: erase one rep among BENCH_FACTS deal facts on PostgreSQL.
BENCH_FACTS ?= 10000000
bench-subjects: pg
	TALLY_BENCH_FACTS=$(BENCH_FACTS) $(GO) test -run '^$$' -bench BenchmarkEraseRep -benchtime 100x \
		-count 3 -timeout 60m ./warehouse/

# Key rotation with --rekey: rewrite 1M deal facts and their rollups.
.PHONY: bench-rekey
bench-rekey: pg
	TALLY_BENCH_FACTS=1000000 $(GO) test -run '^$$' -bench BenchmarkRekey -benchtime 1x \
		-count 3 -timeout 90m ./warehouse/

# Fuzz every Fuzz target of the repository for FUZZTIME each (not part of
# `make test`); targets are found with grep, so new ones join by
# themselves. Failing inputs land in the package's testdata/fuzz/.
FUZZTIME ?= 60s
fuzz:
	@rc=0; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		pkg=$$(dirname $$f); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "== $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg || rc=1; \
		done; \
	done; exit $$rc

# End to end from a CSV export: BENCH_ROWS deterministic deals through
# `tally run --once` into a fresh database, then the same rows' minimized
# form with psql \copy; prints records/s, the ratio, CPU per 1M, peak
# RSS and how tally's backends spent the run (running, waiting on a lock,
# idle). BENCH_PARTITIONS overrides kafka.partitions, BENCH_BATCH_RECORDS
# kafka.batch_records; BENCH_YAML is appended to the config. Results:
# BENCHMARKS.md.
BENCH_ROWS ?= 1000000
.PHONY: bench-e2e-csv
bench-e2e-csv: build pg
	BENCH_ROWS=$(BENCH_ROWS) $(GO) run ./deploy/dev/benchcsv --tally bin/tally
