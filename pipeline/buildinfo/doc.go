// Package buildinfo describes the running tally binary: its module
// version, the VCS revision and time it was built from, whether the
// working tree was modified, and the Go version. `tally version`
// prints it; the processing report and the status API embed it.
package buildinfo
