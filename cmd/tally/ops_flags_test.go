package main

import (
	"errors"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline/config"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"2026-01-02T15:04:05Z", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), false},
		{"2026-01-02T15:04:05+02:00", time.Date(2026, 1, 2, 13, 4, 5, 0, time.UTC), false},
		{"0d", time.Time{}, true},
		{"-3h", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2026-01-02", time.Time{}, true},
	} {
		got, err := parseSince(tc.in, now)
		var ee *exitError
		if tc.wantErr {
			if !errors.As(err, &ee) || ee.code != exitConfig {
				t.Errorf("parseSince(%q) = %v, %v; want a usage error (exit 2)", tc.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckTenantAndConnector(t *testing.T) {
	cfg := &config.File{Tenants: []config.Tenant{
		{ID: "acme", Connectors: []config.Connector{{Kind: "hubspot"}, {Kind: "csv", Name: "deals-export"}}},
		{ID: "globex", Connectors: []config.Connector{{Kind: "pipedrive"}}},
	}}
	for _, tc := range []struct {
		tenant, connector string
		ok                bool
	}{
		{"acme", "hubspot", true},
		{"acme", "deals-export", true},
		{"acme", "csv", false}, // a named connector is addressed by its name
		{"acme", "pipedrive", false},
		{"globex", "pipedrive", true},
		{"nosuch", "hubspot", false},
	} {
		err := knownTenant(cfg, tc.tenant)
		if err == nil {
			err = checkConnector(cfg, tc.tenant, tc.connector)
		}
		var ee *exitError
		if tc.ok != (err == nil) || (err != nil && (!errors.As(err, &ee) || ee.code != exitConfig)) {
			t.Errorf("check(%s, %s) = %v, want ok %v (else exit 2)", tc.tenant, tc.connector, err, tc.ok)
		}
	}
}
