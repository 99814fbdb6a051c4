// Package transforms holds tally's pure transform stages, one package
// each, that turn a raw CRM record read from Kafka into a minimized,
// pseudonymized fact fit for the warehouse. The runner applies them with
// pipeline.Chain in this order:
//
//  1. validate: the object is known, the record has what its operation
//     needs, and every classified value has its schema type (types the
//     log does not carry are restored: number text becomes an exact
//     decimal, an RFC 3339 string from an older message a time.Time).
//  2. minimize: only fields that the projection of the enabled KPIs asks
//     for and that the schema allows to be stored survive; everything
//     else, unclassified fields included, is deleted (default deny).
//  3. pseudonymize: the record id becomes the record Key and every
//     person reference becomes a keyed, per-tenant pseudonym.
//  4. generalize: times are reduced to the granularity the schema names
//     (UTC days); amounts keep their currency and are not converted.
//  5. guard: the egress check. It rejects a record that still carries a
//     raw identifier or anything that looks like an email, phone, card,
//     IBAN or SSN, naming the field and rule, never the value.
//
// KPI deltas are not a stage here: package transforms/kpi computes them
// inside the sink's transaction, from the fact as stored before and after
// the write, so that rollups stay exactly consistent with facts.
//
// Every stage is a pure function of its configuration and the record: no
// I/O, no clock, no globals that change, safe for concurrent use. A stage
// error is a *pipeline.FieldError of kind pipeline.ErrInvalid that names
// a field and a rule and never contains a value.
package transforms
