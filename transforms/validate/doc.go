// Package validate is the first transform stage. It checks a record
// against its canonical object schema and restores value types that the
// trip through Kafka does not carry (numbers travel as their exact text,
// times as RFC 3339 strings in messages of the older JSON form), so that
// later stages can rely
// on a field of type time holding a time.Time and a number an exact
// decimal.Decimal.
//
// It also bounds hostile input: over-long strings are rejected, and
// values of fields the schema does not know are left untouched for the
// minimize stage to drop.
package validate
