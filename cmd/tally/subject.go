package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/warehouse"
)

// openSubjects loads the configuration, opens and migrates the
// warehouse and returns its subject-rights operations. The caller closes
// the app.
func openSubjects(cmd *cobra.Command, g *globals) (*app, *warehouse.Subjects, error) {
	a, err := openWarehouseApp(cmd.Context(), g)
	if err != nil {
		return nil, nil, err
	}
	master, err := masterKey(a.cfg.Pseudonyms)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	s, err := a.wh.Subjects(a.cat, master, a.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		a.Close()
		return nil, nil, withCode(exitConfig, err)
	}
	return a, s, nil
}

// requestFlags are the flags naming a data subject.
type requestFlags struct{ warehouse.Request }

func (f *requestFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.Tenant, "tenant", "", "tenant id (required)")
	cmd.Flags().StringVar(&f.Email, "email", "", "email of a platform user (rep), found through the identity vault")
	cmd.Flags().StringVar(&f.SourceID, "source-id", "", "CRM record id of the subject (e.g. a contact)")
	cmd.Flags().StringVar(&f.Object, "object", "lead", "object of --source-id: lead (contacts), user, deal, ...")
}

func (f *requestFlags) request() (warehouse.Request, error) {
	r := f.Request
	if r.SourceID == "" {
		r.Object = ""
	}
	if err := r.Validate(); err != nil {
		return r, withCode(exitConfig, fmt.Errorf("subject: %w", err))
	}
	return r, nil
}

func subjectCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "subject", Short: "Data subject requests: erase, export, receipts"}
	cmd.AddCommand(subjectEraseCmd(g), subjectExportCmd(g), subjectReceiptsCmd(g))
	return cmd
}

// subjectRequestCmd is a subject command that names one data subject
// with requestFlags, opens the subject-rights operations and runs do.
func subjectRequestCmd(g *globals, use, short string, do func(cmd *cobra.Command, s *warehouse.Subjects, req warehouse.Request) error) *cobra.Command {
	var f requestFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := f.request()
			if err != nil {
				return err
			}
			a, s, err := openSubjects(cmd, g)
			if err != nil {
				return err
			}
			defer a.Close()
			return do(cmd, s, req)
		},
	}
	f.add(cmd)
	return cmd
}

func subjectEraseCmd(g *globals) *cobra.Command {
	return subjectRequestCmd(g, "erase", "Erase every row of a subject, suppress later syncs of it and print the chained receipt",
		func(cmd *cobra.Command, s *warehouse.Subjects, req warehouse.Request) error {
			rc, err := s.Erase(cmd.Context(), req)
			if err != nil {
				return err
			}
			if err := writeJSON(g.stdout, rc); err != nil {
				return err
			}
			if !rc.Verified {
				return errors.New("erase: verification found rows left (see the receipt)")
			}
			return nil
		})
}

func subjectExportCmd(g *globals) *cobra.Command {
	return subjectRequestCmd(g, "export", "Print as JSON everything held on a subject",
		func(cmd *cobra.Command, s *warehouse.Subjects, req warehouse.Request) error {
			ex, err := s.Export(cmd.Context(), req)
			if err != nil {
				return err
			}
			return writeJSON(g.stdout, ex)
		})
}

func subjectReceiptsCmd(g *globals) *cobra.Command {
	var tenant string
	var verify bool
	cmd := &cobra.Command{
		Use:   "receipts",
		Short: "List a tenant's erasure receipts, or --verify their chain (exit 1 when broken)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tenant == "" {
				return withCode(exitConfig, errors.New("receipts: --tenant is required"))
			}
			a, s, err := openSubjects(cmd, g)
			if err != nil {
				return err
			}
			defer a.Close()
			if !verify {
				rcs, err := s.Receipts(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				return writeJSON(g.stdout, rcs)
			}
			rep, err := s.VerifyReceipts(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			if err := writeJSON(g.stdout, rep); err != nil {
				return err
			}
			if !rep.OK() {
				return fmt.Errorf("receipt chain of tenant %s is broken: %d problem(s)", tenant, len(rep.Problems))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant id (required)")
	cmd.Flags().BoolVar(&verify, "verify", false, "verify the chain instead of listing it")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
