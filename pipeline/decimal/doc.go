// Package decimal is tally's exact number: the Go type of every value of
// a field of schema type number (amounts and other measures) from the
// validate stage to the warehouse, and of every KPI sum.
//
// A Decimal holds a finite decimal exactly, within what a PostgreSQL
// numeric column accepts (at most MaxIntegerDigits digits before the
// decimal point and MaxScale after it; see MaxIntegerDigits for why it is
// below numeric's own limit). Sums are exact: 1e300 + 100 keeps
// the 100 and 0.1 + 0.2 is 0.3. Its text form (String, the JSON and SQL
// encodings) is canonical: plain notation without exponent, without
// trailing fractional zeros and without a sign on zero, so two equal
// values always have the same text.
//
// The arithmetic is github.com/cockroachdb/apd/v3 with rounding disabled.
package decimal
