package schemas

import (
	"testing"
	"testing/fstest"
)

func TestDefaultCatalogLoads(t *testing.T) {
	c := Default()
	for _, o := range []string{"deal", "lead", "user"} {
		if _, ok := c.Object(o); !ok {
			t.Errorf("Default().Object(%q) missing", o)
		}
	}
	if len(c.KPIs()) == 0 {
		t.Fatal("Default().KPIs() is empty")
	}
}

func TestPersonalFieldsAreNeverProjectedRaw(t *testing.T) {
	c := Default()
	p, err := c.Project(c.KPINames(), c.Objects())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range p.Objects() {
		obj, _ := c.Object(o)
		for _, name := range p.Fields(o) {
			f, ok := obj.Field(name)
			if !ok {
				t.Errorf("projection of %s has unclassified field %s", o, name)
				continue
			}
			if !f.Stored() {
				t.Errorf("projection of %s has field %s of class %s that may not be stored", o, name, f.Class)
			}
		}
	}
}

func TestLoadRejectsBadSchemas(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"unknown class", "object: x\ndoc: d\nfields:\n  - {name: id, class: identifier, type: string, doc: d}\n  - {name: a, class: weird, type: string, doc: d}\n"},
		{"no id", "object: x\ndoc: d\nfields:\n  - {name: a, class: measure, type: number, doc: d}\n"},
		{"typo key", "object: x\ndoc: d\nfeilds: []\n"},
		{"string measure", "object: x\ndoc: d\nfields:\n  - {name: id, class: identifier, type: string, doc: d}\n  - {name: a, class: measure, type: string, doc: d}\n"},
		{"missing doc", "object: x\ndoc: d\nfields:\n  - {name: id, class: identifier, type: string}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(tc.yaml)}})
			if err == nil {
				t.Errorf("Load(%q) = nil error, want an error", tc.yaml)
			}
		})
	}
}

func TestProjectJustifiesEveryField(t *testing.T) {
	c := Default()
	p, err := c.Project([]string{"deals_won"}, []string{"deal", "user"})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Fields("deal")
	want := []string{"close_date", "id", "is_won", "owner_id"}
	if len(got) != len(want) {
		t.Fatalf("Project(deals_won).Fields(deal) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Project(deals_won).Fields(deal) = %v, want %v", got, want)
		}
	}
	if p.Has("deal", "amount") {
		t.Error("amount projected though only deals_won is enabled")
	}
	if _, err := c.Project([]string{"nope"}, nil); err == nil {
		t.Error("Project(unknown kpi) = nil error")
	}
}
