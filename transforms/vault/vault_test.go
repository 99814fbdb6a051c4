package vault_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/vault"
)

var master = []byte("0123456789abcdef0123456789abcdef")

func TestStageSealsIdentity(t *testing.T) {
	sealer, _ := vault.NewSealer(master)
	keys, _ := pseudonymize.NewKeyring(master, 3)
	st, err := vault.New(sealer, keys, schemas.Default(), []string{"identity_vault"})
	if err != nil {
		t.Fatal(err)
	}
	r := pipeline.Record{Tenant: "t1", Object: "user", ID: "u1", Op: pipeline.OpUpsert,
		Fields: map[string]any{"email": "Ada@Example.com", "first_name": "Ada", "is_active": true}}
	if err := st.Apply(&r); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if r.Vault == nil {
		t.Fatal("Apply set no Vault")
	}
	if bytes.Contains(r.Vault.Sealed, []byte("Ada")) {
		t.Errorf("sealed payload contains plaintext")
	}
	if got, want := r.Vault.Lookup, keys.Pseudonym("t1", "email", "ada@example.com"); got != want || r.Vault.KeyVersion != 3 {
		t.Errorf("Lookup = %s (v%d), want %s (v3)", got, r.Vault.KeyVersion, want)
	}
	plain, err := sealer.Open("t1", r.Vault.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	var e vault.Entry
	_ = json.Unmarshal(plain, &e)
	if e["id"] != "u1" || e["email"] != "Ada@Example.com" || e["first_name"] != "Ada" {
		t.Errorf("opened entry = %v", e)
	}
	if _, err := sealer.Open("t2", r.Vault.Sealed); !errors.Is(err, vault.ErrOpen) {
		t.Errorf("Open under another tenant = %v, want ErrOpen", err)
	}
}

func TestStageIgnoresOtherRecords(t *testing.T) {
	sealer, _ := vault.NewSealer(master)
	keys, _ := pseudonymize.NewKeyring(master, 1)
	st, _ := vault.New(sealer, keys, schemas.Default(), []string{"identity_vault"})
	for _, r := range []pipeline.Record{
		{Tenant: "t1", Object: "lead", ID: "c1", Op: pipeline.OpUpsert, Fields: map[string]any{"email": "c@x.example"}},
		{Tenant: "t1", Object: "user", ID: "u1", Op: pipeline.OpDelete},
		{Tenant: "t1", Object: "user", ID: "u1", Op: pipeline.OpUpsert, Fields: map[string]any{"is_active": true}},
	} {
		if err := st.Apply(&r); err != nil || r.Vault != nil {
			t.Errorf("Apply(%s %s) = vault %v, err %v; want no vault entry", r.Object, r.Op, r.Vault, err)
		}
	}
}
