// Package config reads tally.yaml: strict YAML (an unknown key is an
// error with its line and a "did you mean"), ${ENV} references for
// secrets (a literal secret is rejected), and validation that reports
// every problem at once, sorted by line, each at the line of the key it
// concerns. LoadChecked is the one way commands load it: file, syntax
// (located even where yaml.v3 gives no line), one document only, keys,
// types, Validate, and the checks the caller adds for rules that live in
// its libraries (cron schedules, warehouse roles).
//
// The package holds data only; cmd/tally maps it onto the configurations
// of the Kafka log, the warehouse and each connector, whose options are
// decoded strictly into the connector's own Config type (DecodeStrict).
//
// Spec documents a Config struct from its doc and spec tags and its
// default value; FileSections, WriteMarkdown and WriteJSON turn that into
// the configuration reference `tally docs` prints (docs/config.md).
package config
