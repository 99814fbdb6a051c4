package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRolesApplyCommand runs `tally roles apply` on PostgreSQL with the
// default role names: it prints what each role reads, and the reader's
// line names the facts but not the vault.
func TestRolesApplyCommand(t *testing.T) {
	path, _ := purgeConfig(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"roles", "apply", "--config", path}, &out, &errb); code != exitOK {
		t.Fatalf("tally roles apply exited %d: %s", code, errb.String())
	}
	var reader, admin string
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "tally_reader: "):
			reader = line
		case strings.HasPrefix(line, "tally_admin: "):
			admin = line
		}
	}
	if !strings.Contains(reader, "deal_facts") || !strings.Contains(reader, "kpi_daily") || strings.Contains(reader, "identity_vault") {
		t.Errorf("reader line = %q; want facts and kpi_daily, not the vault", reader)
	}
	if !strings.Contains(admin, "identity_vault") || !strings.Contains(admin, "erasure_receipts") {
		t.Errorf("admin line = %q; want the vault and the receipts", admin)
	}
}

func TestRoleNamesAreValidated(t *testing.T) {
	path, _ := purgeConfig(t, "  reader_role: \"analysts; DROP TABLE deal_facts\"\n")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"validate", "--config", path}, &out, &errb); code != exitConfig {
		t.Fatalf("tally validate exited %d, want %d: %s", code, exitConfig, errb.String())
	}
	if !strings.Contains(errb.String(), "reader_role") {
		t.Errorf("validate stderr = %q; want the reader_role problem", errb.String())
	}
}

// TestProcessingReportListsRoleAccess checks that the report's
// recipients are the roles with the tables each may read.
func TestProcessingReportListsRoleAccess(t *testing.T) {
	md := processingReport(t, "[deals_won]", "md")
	var analyst, privacy string
	for _, r := range strings.Split(md, "\n") { // one recipient a line
		switch {
		case strings.Contains(r, "database role analyst "):
			analyst = r
		case strings.Contains(r, "database role privacy_admin "):
			privacy = r
		}
	}
	if !strings.Contains(analyst, "deal_facts") || strings.Contains(analyst, "identity_vault") {
		t.Errorf("analyst recipient = %q; want facts, not the vault", analyst)
	}
	if !strings.Contains(privacy, "identity_vault") || !strings.Contains(privacy, "subject_keys") {
		t.Errorf("privacy admin recipient = %q; want the vault and the subject keys", privacy)
	}
}
