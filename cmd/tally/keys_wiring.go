package main

import (
	"context"
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/suppress"
	"github.com/tally-dev/tally/transforms/vault"
	"github.com/tally-dev/tally/warehouse"
)

// tenantKeys pseudonymizes each tenant under its own current key
// version (pseudonym_keys, raised by `tally keys rotate`), through the
// chain of rekeyed versions.
type tenantKeys struct {
	def    *pseudonymize.Keyring
	byTent map[string]*pseudonymize.Keyring
}

func newTenantKeys(ctx context.Context, master []byte, cfg *config.File, wh *warehouse.Warehouse) (*tenantKeys, error) {
	def, err := pseudonymize.NewKeyring(master, cfg.Pseudonyms.KeyVersion)
	if err != nil {
		return nil, withCode(exitConfig, fmt.Errorf("pseudonym keys: %w", err))
	}
	tk := &tenantKeys{def: def, byTent: map[string]*pseudonymize.Keyring{}}
	for _, t := range cfg.Tenants {
		kc, err := wh.KeyChain(ctx, t.ID, cfg.Pseudonyms.KeyVersion)
		if err != nil {
			return nil, err
		}
		if kc.Unfinished > 0 {
			return nil, fmt.Errorf("tenant %s: the rekey to key version k%d is unfinished; finish it with `tally keys rotate --tenant %s --rekey` before writing", t.ID, kc.Unfinished, t.ID)
		}
		if tk.byTent[t.ID], err = pseudonymize.NewKeyring(master, kc.Current); err != nil {
			return nil, err
		}
		if err := tk.byTent[t.ID].Chain(t.ID, kc.Parents); err != nil {
			return nil, err
		}
	}
	return tk, nil
}

func (tk *tenantKeys) ring(tenant string) *pseudonymize.Keyring {
	if k, ok := tk.byTent[tenant]; ok {
		return k
	}
	return tk.def
}

// Pseudonym pseudonymizes under the tenant's current version.
func (tk *tenantKeys) Pseudonym(tenant, kind, value string) string {
	return tk.ring(tenant).Pseudonym(tenant, kind, value)
}

// byTenant applies the stage of the record's tenant.
type byTenant struct {
	name   string
	stages map[string]pipeline.Stage
	def    pipeline.Stage
}

func (b *byTenant) Name() string { return b.name }

func (b *byTenant) Apply(r *pipeline.Record) error {
	if s, ok := b.stages[r.Tenant]; ok {
		return s.Apply(r)
	}
	return b.def.Apply(r)
}

// wirePrivacy completes the runner with subject rights: the pseudonymize
// stage per tenant key version, the suppress stage right after validate
// (refreshed from the warehouse's suppression list), the vault stage
// before minimize, and crypto-shredding of raw messages.
func (a *app) wirePrivacy(ctx context.Context) error {
	master, err := masterKey(a.cfg.Pseudonyms)
	if err != nil {
		return err
	}
	tk, err := newTenantKeys(ctx, master, a.cfg, a.wh)
	if err != nil {
		return err
	}
	tokens, err := suppress.NewTokens(master)
	if err != nil {
		return withCode(exitConfig, err)
	}
	sealer, err := vault.NewSealer(master)
	if err != nil {
		return withCode(exitConfig, err)
	}
	vst, err := vault.New(sealer, tk, a.cat, a.cfg.EnabledPurposes(a.cat))
	if err != nil {
		return err
	}
	sup := suppress.New(tokens, a.cat)
	ps := &byTenant{name: "pseudonymize", stages: map[string]pipeline.Stage{}, def: pseudonymize.New(tk.def, a.cat)}
	for t, k := range tk.byTent {
		ps.stages[t] = pseudonymize.New(k, a.cat)
	}
	var stages []pipeline.Stage
	for _, s := range a.runner.Stages {
		switch s.Name() {
		case "validate":
			stages = append(stages, s, sup, vst)
		case "pseudonymize":
			stages = append(stages, ps)
		default:
			stages = append(stages, s)
		}
	}
	subj, err := a.wh.Subjects(a.cat, master, a.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		return withCode(exitConfig, err)
	}
	a.shredder = subj.Shredder(tk)
	a.runner.Stages = stages
	// Any version's keys: the keyring's current version plays no part.
	a.runner.Keys = pseudonymize.New(tk.def, a.cat)
	a.runner.Suppressions = a.wh
	a.runner.OnSuppressions = func(s pipeline.Suppressed) { sup.Update(s); a.shredder.Update(s) }
	a.runner.Shredder = a.shredder
	return nil
}

// projection is the projection of the enabled KPIs and purposes.
func projection(cfg *config.File, cat *schemas.Catalog, kpis []string) (schemas.Projection, error) {
	return cat.ProjectWith(kpis, cfg.EnabledPurposes(cat), cat.Objects())
}
