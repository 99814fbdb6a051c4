package warehouse

// SetLegacyWrites makes Write on PostgreSQL use the array statements it
// used before COPY staging (benchmarks compare both paths in one run).
func SetLegacyWrites(on bool) { legacyWrites.Store(on) }
