package pseudonymize_test

import (
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
)

func ExampleKeyring_Pseudonym() {
	k, err := pseudonymize.NewKeyring([]byte("example master secret, 32+ bytes long"), 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := k.Pseudonym("acme", "user", "77")
	fmt.Println(p, pseudonymize.IsPseudonym(p))
	fmt.Println(p == k.Pseudonym("globex", "user", "77"))
	fmt.Println(k)
	// Output:
	// k1_f4jq7w3q66z3igfp56exruvuqa true
	// false
	// pseudonymize.Keyring{current: k1}
}

// The deal's key and its owner reference become pseudonyms; the raw id
// is gone.
func ExampleStage_Apply() {
	k, _ := pseudonymize.NewKeyring([]byte("example master secret, 32+ bytes long"), 1)
	s := pseudonymize.New(k, schemas.Default())
	r := &pipeline.Record{Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpUpsert,
		Fields: map[string]any{"owner_id": "77", "amount": 1250.0}}
	if err := s.Apply(r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("id=%q key=%s\n", r.ID, r.Key)
	fmt.Println(r.Fields["owner_id"] == k.Pseudonym("acme", "user", "77"))
	// Output:
	// id="" key=k1_6ognhwuqgomflzcu3swgqnkd4q
	// true
}
