// Package minimize is the data-minimization stage: it deletes every field
// of a record that no enabled KPI or declared purpose needs, and every
// field the schema does not allow to be stored, whatever the projection
// says. What is not explicitly kept is dropped (default deny), so a field
// a CRM adds tomorrow never reaches the warehouse.
package minimize
