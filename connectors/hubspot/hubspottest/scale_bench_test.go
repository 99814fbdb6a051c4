package hubspottest

import (
	"testing"
)

// BenchmarkSearchMillion times one search page over a million deals,
// which scans every deal's modified date.
func BenchmarkSearchMillion(b *testing.B) {
	ds := Generate(1, Sizes{Owners: 50, Deals: 1_000_000, Contacts: 10})
	s := NewServer(ds, Options{Token: token})
	defer s.Close()
	body := map[string]any{"limit": 200, "filterGroups": []any{map[string]any{"filters": []map[string]any{
		{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "1779000000000"}}}}}
	for b.Loop() {
		post(b, s, "/crm/v3/objects/deals/search", body)
	}
}
