package salesforce

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestSessionExpiryRefreshesOnceAndGoesOn(t *testing.T) {
	f := newFixture(t, setup{})
	c := &pipelinetest.Collector{}
	emit := pipeline.EmitterFunc(func(ctx context.Context, recs []pipeline.Record, cur string) error {
		if c.Len() == 1 {
			f.srv.ExpireSessions()
		}
		return c.Emit(ctx, recs, cur)
	})
	if err := f.src.Sync(context.Background(), "deal", "", emit); err != nil {
		t.Fatalf("Sync = %v, want nil", err)
	}
	if got := len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); got != defaultSizes.Opportunities {
		t.Errorf("pass emitted %d deals, want %d", got, defaultSizes.Opportunities)
	}
	tokens := 0
	for _, r := range f.srv.Requests() {
		if r.Path == "/services/oauth2/token" {
			tokens++
		}
	}
	if tokens != 2 {
		t.Errorf("token requests = %d, want 2 (open, one refresh)", tokens)
	}
}

func TestGrantTypes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refresh string
		want    string
	}{
		{"client credentials", "", "grant_type=client_credentials"},
		{"refresh token", testRefresh, "grant_type=refresh_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{config: func(c *Config) {
				if tc.refresh != "" {
					c.RefreshToken = config.NewSecret("SF_REFRESH_TOKEN", tc.refresh)
				}
			}})
			f.sync(t, "user", "")
			if got := f.srv.Requests()[0].Form; !strings.Contains(got, tc.want) {
				t.Errorf("token request form = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestRefusedCredentialsAreConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		code string
	}{
		{"wrong secret", func(c *Config) { c.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", "wrong-secret-value") }, "invalid_client"},
		{"revoked refresh token", func(c *Config) { c.RefreshToken = config.NewSecret("SF_REFRESH_TOKEN", "revoked-refresh-value") }, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{config: tc.cfg, noOpen: true})
			err := f.src.Open(context.Background())
			if !errors.Is(err, pipeline.ErrConfig) {
				t.Fatalf("Open() = %v, want ErrConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.code) || !strings.Contains(msg, "SF_CLIENT_SECRET") {
				t.Errorf("Open() = %q, want the OAuth code %s and the variable name", msg, tc.code)
			}
			for _, secret := range []string{"wrong-secret-value", "revoked-refresh-value", testClientSecret} {
				if strings.Contains(msg, secret) {
					t.Errorf("error reveals a secret: %q", msg)
				}
			}
		})
	}
}

func TestQuotaShareStopsCleanlyAndResumes(t *testing.T) {
	f := newFixture(t, setup{server: salesforcetest.Options{DailyLimit: 20, Used: 8}})
	c := &pipelinetest.Collector{}
	err := f.src.Sync(context.Background(), "deal", "", c)
	if !errors.Is(err, pipeline.ErrQuota) {
		t.Fatalf("Sync = %v, want ErrQuota", err)
	}
	if used := f.srv.Used(); used > 10 {
		t.Errorf("server counted %d requests, want at most half of 20", used)
	}
	if c.Len() == 0 {
		t.Fatal("no page emitted before the quota stop")
	}
	// Next day: a fresh budget, the same org, resume from the cursor.
	srv := salesforcetest.NewServer(f.ds, salesforcetest.Options{ClientID: testClientID, ClientSecret: testClientSecret})
	t.Cleanup(srv.Close)
	cfg := f.src.cfg
	cfg.LoginURL = srv.URL()
	src, err := New(cfg, f.src.env)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	rest := &pipelinetest.Collector{}
	if err := src.Sync(context.Background(), "deal", c.Last(), rest); err != nil {
		t.Fatalf("resumed Sync = %v", err)
	}
	all := append(pipelinetest.IDs(c.Records(), pipeline.OpUpsert), pipelinetest.IDs(rest.Records(), pipeline.OpUpsert)...)
	slices.Sort(all)
	if got := len(slices.Compact(all)); got != defaultSizes.Opportunities {
		t.Errorf("quota stop and resume emitted %d deals, want %d", got, defaultSizes.Opportunities)
	}
}

func TestRequestLimitExceededIsQuotaNotConfig(t *testing.T) {
	f := newFixture(t, setup{server: salesforcetest.Options{DailyLimit: 1000}, config: func(c *Config) { c.QuotaShare = 1 }})
	// Another tool spends the whole day's budget while the pass runs.
	spend := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error {
		f.srv.Spend(1000)
		return nil
	})
	err := f.src.Sync(context.Background(), "deal", "", spend)
	if !errors.Is(err, pipeline.ErrQuota) || errors.Is(err, pipeline.ErrConfig) {
		t.Fatalf("Sync = %v, want ErrQuota and not ErrConfig", err)
	}
	if !strings.Contains(err.Error(), "REQUEST_LIMIT_EXCEEDED") {
		t.Errorf("Sync = %q, want it to name REQUEST_LIMIT_EXCEEDED", err)
	}
}

func TestIncrementalQueryUsesUnquotedWholeSecondLiteral(t *testing.T) {
	f := newFixture(t, setup{})
	done := f.sync(t, "deal", "").Last()
	f.sync(t, "deal", done)
	reqs := f.srv.Requests()
	q, _ := url.ParseQuery(reqs[len(reqs)-1].Query)
	soql := q.Get("q")
	if !regexp.MustCompile(`WHERE SystemModstamp >= \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ `).MatchString(soql) {
		t.Errorf("incremental SOQL = %q, want an unquoted whole-second SystemModstamp literal", soql)
	}
	if !strings.HasSuffix(soql, "ORDER BY SystemModstamp ASC, Id ASC") {
		t.Errorf("incremental SOQL = %q, want ORDER BY SystemModstamp ASC, Id ASC", soql)
	}
}

func TestTiesInOneMillisecondAcrossPasses(t *testing.T) {
	f := newFixture(t, setup{})
	done := f.sync(t, "deal", "").Last()
	at := time.Now().Truncate(time.Second).Add(500 * time.Millisecond)
	first := []string{f.ds.ID(salesforcetest.Opportunity, 3), f.ds.ID(salesforcetest.Opportunity, 9)}
	for _, id := range first {
		f.ds.Touch(id, at)
	}
	mid := f.sync(t, "deal", done)
	// Two more records change in the very same millisecond after the pass.
	second := []string{f.ds.ID(salesforcetest.Opportunity, 1), f.ds.ID(salesforcetest.Opportunity, 20)}
	for _, id := range second {
		f.ds.Touch(id, at)
	}
	got := pipelinetest.IDs(f.sync(t, "deal", mid.Last()).Records(), pipeline.OpUpsert)
	if !slices.Equal(got, second) {
		t.Errorf("pass after a tie emitted %v, want exactly %v", got, second)
	}
}

func TestDeletesAndMerges(t *testing.T) {
	f := newFixture(t, setup{})
	done := f.sync(t, "lead", "").Last()
	now := time.Now()
	loser, survivor, gone := f.ds.ID(salesforcetest.Lead, 5), f.ds.ID(salesforcetest.Lead, 6), f.ds.ID(salesforcetest.Lead, 7)
	f.ds.Merge(loser, survivor, now)
	f.ds.Delete(gone, now)
	c := f.sync(t, "lead", done)
	if got, want := pipelinetest.IDs(c.Records(), pipeline.OpDelete), []string{loser, gone}; !slices.Equal(got, want) {
		t.Errorf("deletes = %v, want %v", got, want)
	}
	if got := pipelinetest.IDs(c.Records(), pipeline.OpUpsert); !slices.Equal(got, []string{survivor}) {
		t.Errorf("upserts = %v, want the survivor %s", got, survivor)
	}
	if !strings.Contains(f.logs.String(), "merges=1") {
		t.Error("pass log does not count the merge")
	}
}

func TestCurrency(t *testing.T) {
	for _, tc := range []struct {
		name       string
		orgMulti   bool
		cfgMulti   bool
		wantField  bool
		wantValues []string
		wantErr    string
	}{
		{"single currency org", false, false, false, []string{"EUR"}, ""},
		{"multi-currency org", true, true, true, []string{"EUR", "GBP", "USD"}, ""},
		{"multi_currency on a single currency org", false, true, true, nil, "INVALID_FIELD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{config: func(c *Config) { c.MultiCurrency, c.DefaultCurrency = tc.cfgMulti, "EUR" }})
			f.ds.SetMultiCurrency(tc.orgMulti)
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), "deal", "", c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Sync = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range c.Records() {
				if s, ok := r.Fields["currency"].(string); ok && !slices.Contains(got, s) {
					got = append(got, s)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.wantValues) {
				t.Errorf("currencies = %v, want %v", got, tc.wantValues)
			}
			q := f.srv.Requests()[1].Query
			if strings.Contains(q, "CurrencyIsoCode") != tc.wantField {
				t.Errorf("query %q: CurrencyIsoCode requested = %t, want %t", q, !tc.wantField, tc.wantField)
			}
		})
	}
}

func TestRecordsAreTyped(t *testing.T) {
	f := newFixture(t, setup{})
	for _, o := range []string{"deal", "lead", "activity"} {
		for _, r := range f.sync(t, o, "").Records() {
			for name, v := range r.Fields {
				switch v.(type) {
				case nil, string, float64, bool, time.Time:
				default:
					t.Fatalf("%s field %s has type %T", o, name, v)
				}
			}
			if o == "activity" {
				if ty, _ := r.Fields["type"].(string); ty == "" || ty != strings.ToLower(ty) {
					t.Fatalf("activity type = %q, want a lower-case type", ty)
				}
				if _, ok := r.Fields["occurred_at"].(time.Time); !ok {
					t.Fatalf("activity occurred_at = %T, want time.Time", r.Fields["occurred_at"])
				}
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := DefaultConfig()
		c.ClientID, c.ClientSecret = "abc", config.NewSecret("X", "y")
		return c
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want []string
	}{
		{"defaults", func(*Config) {}, nil},
		{"everything wrong", func(c *Config) {
			c.LoginURL, c.ClientID, c.ClientSecret = "login", "", config.Secret{}
			c.APIVersion, c.QuotaShare, c.PageSize, c.DefaultCurrency = "60", 0, 100, "usd"
		}, []string{"login_url", "client_id", "client_secret", "api_version", "quota_share", "page_size", "default_currency"}},
		{"multi currency needs no default", func(c *Config) { c.MultiCurrency, c.DefaultCurrency = true, "" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mod(&c)
			err := c.Validate()
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("Validate() = %v, want problems %v", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want a problem naming %s", err, w)
				}
			}
		})
	}
}

func TestParseLimitInfo(t *testing.T) {
	for _, tc := range []struct {
		in          string
		used, limit int64
		ok          bool
	}{
		{"api-usage=18/5000", 18, 5000, true},
		{"api-usage=25/15000, per-app-api-usage=17/250(appName=sample-connected-app)", 25, 15000, true},
		{"per-app-api-usage=17/250(appName=x)", 0, 0, false},
		{"api-usage=x/5000", 0, 0, false},
		{"", 0, 0, false},
	} {
		used, limit, ok := ParseLimitInfo(tc.in)
		if used != tc.used || limit != tc.limit || ok != tc.ok {
			t.Errorf("ParseLimitInfo(%q) = %d, %d, %t, want %d, %d, %t", tc.in, used, limit, ok, tc.used, tc.limit, tc.ok)
		}
	}
}
