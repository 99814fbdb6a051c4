// Package kpi computes what facts add to tally's daily KPI rollups.
//
// It is pure arithmetic over the KPI catalog of package schemas: no I/O,
// no state beyond the enabled KPI definitions. The warehouse sink calls
// Diff with the stored and the incoming version of a fact and applies the
// returned deltas in the same transaction as the fact, which keeps every
// rollup equal to a GROUP BY over the facts.
package kpi
