package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// TestRolesGrantCommand applies roles with per-tenant roles, then
// `tally roles grant --tenant acme --reader USER` makes a LOGIN user a
// member of the tenant's reader role only; flags that name no single
// role kind are exit 2 and a missing user fails without being named.
func TestRolesGrantCommand(t *testing.T) {
	b := make([]byte, 5)
	rand.Read(b)
	sfx := hex.EncodeToString(b)
	reader, admin, user := "tally_t_r"+sfx, "tally_t_a"+sfx, "tally_t_u"+sfx
	path, dsn := purgeConfig(t, "  reader_role: "+reader+"\n  admin_role: "+admin+"\n")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Cleanup(func() {
		for _, r := range []string{user, reader + "_acme", admin + "_acme", reader, admin} {
			db.Exec("DROP OWNED BY " + r)
			db.Exec("DROP ROLE IF EXISTS " + r)
		}
	})
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"roles", "apply", "--config", path}, &out, &errb); code != exitOK {
		t.Fatalf("tally roles apply exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), reader+"_acme: SELECT on ") {
		t.Errorf("roles apply printed %q; want the per-tenant reader's line", out.String())
	}
	if _, err := db.ExecContext(ctx, "CREATE ROLE "+user+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--tenant", "acme", "--reader", "--admin", user}, exitConfig},
		{[]string{"--tenant", "acme", user}, exitConfig},
		{[]string{"--tenant", "acme", "--reader", "nobody_" + sfx}, 1},
		{[]string{"--tenant", "acme", "--reader", user}, exitOK},
	} {
		out.Reset()
		errb.Reset()
		if code := run(ctx, append([]string{"roles", "grant", "--config", path}, c.args...), &out, &errb); code != c.code {
			t.Errorf("tally roles grant %v exited %d, want %d: %s", c.args, code, c.code, errb.String())
		}
		if strings.Contains(errb.String(), "nobody_") {
			t.Errorf("tally roles grant %v names the user: %s", c.args, errb.String())
		}
	}
	var isReader, isAdmin bool
	if err := db.QueryRowContext(ctx, "SELECT pg_has_role($1, $2, 'MEMBER'), pg_has_role($1, $3, 'MEMBER')",
		user, reader+"_acme", admin+"_acme").Scan(&isReader, &isAdmin); err != nil {
		t.Fatal(err)
	}
	if !isReader || isAdmin {
		t.Errorf("after roles grant --reader: member of the reader role %v, of the admin role %v; want true, false", isReader, isAdmin)
	}
}
