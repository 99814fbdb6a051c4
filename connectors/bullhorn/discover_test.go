package bullhorn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
)

const testUsername = "acme.api.user"

// TestDiscoversDataCenter: with a username and no URLs, Open asks
// loginInfo at the discovery host, follows the wrong data center's 307
// to the right one, logs in there and syncs; the username is in no log.
func TestDiscoversDataCenter(t *testing.T) {
	right := bullhorntest.NewServer(bullhorntest.Generate(3, bullhorntest.Sizes{Users: 3, Placements: 20}), serverOptions())
	t.Cleanup(right.Close)
	opts := serverOptions()
	opts.DataCenter = right.URL()
	f := newFixture(t, bullhorntest.Sizes{Users: 1}, opts, func(c *Config) {
		c.AuthURL, c.LoginURL, c.Username = "", "", testUsername
	})
	f.src.cfg.DiscoveryURL = f.srv.URL() // the wrong data center
	if err := f.src.Open(context.Background()); err != nil {
		t.Fatalf("Open = %v", err)
	}
	if got := f.sync(t, "placement", "").Records(); len(got) != 20 {
		t.Errorf("synced %d placements from the discovered data center, want 20", len(got))
	}
	if logins, _ := right.Logins(); logins != 1 {
		t.Errorf("the right data center saw %d logins, want 1", logins)
	}
	var asked []string
	for _, r := range f.srv.Requests() {
		asked = append(asked, r.Method+" "+r.Path)
	}
	if strings.Join(asked, ",") != "GET /rest-services/loginInfo" {
		t.Errorf("the wrong data center got %v, want only the loginInfo that it redirected", asked)
	}
	if strings.Contains(f.logs.String(), testUsername) {
		t.Error("the username is in the logs")
	}
}

// TestExplicitURLsSkipDiscovery: URLs in the configuration win over a
// username; without a username the global hosts are used.
func TestExplicitURLsSkipDiscovery(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 1, Placements: 2}, serverOptions(), func(c *Config) { c.Username = testUsername })
	if err := f.src.Open(context.Background()); err != nil {
		t.Fatalf("Open = %v", err)
	}
	for _, r := range f.srv.Requests() {
		if strings.HasSuffix(r.Path, "/loginInfo") {
			t.Error("loginInfo asked although auth_url and login_url are set")
		}
	}
	cfg := testConfig("")
	cfg.AuthURL, cfg.LoginURL = "", ""
	src, err := New(cfg, pipeline.SourceEnv{})
	if err != nil {
		t.Fatal(err)
	}
	if src.cfg.AuthURL != defaultAuthURL || src.cfg.LoginURL != defaultLoginURL {
		t.Errorf("without username or URLs: auth %q login %q, want the global hosts", src.cfg.AuthURL, src.cfg.LoginURL)
	}
}

// TestDiscoveryRejectsForeignHosts: a loginInfo answer naming a host
// that is neither the discovery host nor a Bullhorn data center is a
// configuration error, and nothing is sent there.
func TestDiscoveryRejectsForeignHosts(t *testing.T) {
	var foreign int
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign++ }))
	t.Cleanup(evil.Close)
	info := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"oauthUrl":"` + strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) + `/oauth","restUrl":"` + evil.URL + `/rest-services"}`))
	}))
	t.Cleanup(info.Close)
	f := newFixture(t, bullhorntest.Sizes{Users: 1}, serverOptions(), func(c *Config) {
		c.AuthURL, c.LoginURL, c.Username = "", "", testUsername
	})
	f.src.cfg.DiscoveryURL = info.URL
	err := f.src.Open(context.Background())
	if !errors.Is(err, pipeline.ErrConfig) || !strings.Contains(err.Error(), "oauthUrl") {
		t.Errorf("Open = %v, want ErrConfig naming oauthUrl", err)
	}
	if foreign != 0 {
		t.Errorf("%d requests reached the foreign host", foreign)
	}
}
