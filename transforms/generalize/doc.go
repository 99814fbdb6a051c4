// Package generalize reduces the precision of stored values to what the
// KPIs need: a time field with granularity "day" keeps only its UTC
// calendar day, so a fact no longer says when in the day something
// happened. Exact time fields are normalized to UTC.
//
// Amounts (measures) are kept exactly as pulled, next to the currency
// field the schema pairs them with. Generalize does not convert
// currencies: an amount is only ever summed with amounts of the same
// currency, and exchange rates are a reporting concern.
package generalize
