package salesforcetest

import (
	"net/url"
	"testing"
)

// BenchmarkQueryMillion opens a full SystemModstamp-ordered query over a
// million opportunities (the totalSize count walks them all) and serves
// its first page of 2,000: generated records cost no memory.
func BenchmarkQueryMillion(b *testing.B) {
	ds := Generate(1, Sizes{Users: 100, Opportunities: 1_000_000})
	s := NewServer(ds, Options{ClientID: clientID, ClientSecret: clientSecret, DailyLimit: 1 << 30})
	defer s.Close()
	tok := login(b, s)
	q := "/services/data/v60.0/queryAll?q=" + url.QueryEscape("SELECT Id, SystemModstamp, IsDeleted, Amount, OwnerId FROM Opportunity ORDER BY SystemModstamp ASC, Id ASC")
	for b.Loop() {
		if status, _, _ := get(b, s, q, tok, "2000"); status != 200 {
			b.Fatalf("status %d", status)
		}
	}
}
