// Command benchcsv is the end-to-end CSV benchmark behind
// `make bench-e2e-csv`: it generates a deterministic deals export
// (BENCH_ROWS rows of about 500 bytes: id, deal name, amount, stage, close
// date, owner email, contact email, phone, notes, plus the won flag,
// currency and creation date the KPIs need), loads it with
// `tally run --once` and the csv connector into a freshly created
// PostgreSQL database, then loads the same rows' minimized form (the
// deal_facts columns) with `psql \copy`, and prints records/s of both,
// their ratio, client and PostgreSQL CPU-seconds per 1M records (from
// /proc and the child's rusage) and the client's peak RSS, and how tally's
// backends spent the run: running a statement, waiting on a lock (another
// transaction's rows), idle in transaction or idle, read off their process
// titles every 100 ms.
//
// Environment: BENCH_ROWS (default 1,000,000), BENCH_PARTITIONS
// (kafka.partitions), BENCH_BATCH_RECORDS (kafka.batch_records) and
// BENCH_YAML, raw YAML appended to the generated config (for example
// "sync:\n  ahead: 16") to measure other settings with the same data.
//
// It is a development tool, not part of tally; it imports nothing of the
// module so that it measures the built binary.
package main
