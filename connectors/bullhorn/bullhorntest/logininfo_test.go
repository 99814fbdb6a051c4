package bullhorntest

import (
	"net/http"
	"testing"
)

// TestLoginInfo: the right data center names its OAuth and REST bases;
// the wrong one answers 307 to the same request there; a missing
// username is a 400.
func TestLoginInfo(t *testing.T) {
	right, _ := newTestServer(t, Sizes{Users: 1})
	wrong := NewServer(Generate(1, Sizes{}), Options{ClientID: "cid", ClientSecret: "secret", RefreshToken: "rt1", DataCenter: right.URL()})
	t.Cleanup(wrong.Close)
	status, info := call(t, "GET", wrong.URL()+"/rest-services/loginInfo?username=api.user", nil) // follows the 307
	if status != http.StatusOK || info["oauthUrl"] != right.URL()+"/oauth" || info["restUrl"] != right.URL()+"/rest-services" {
		t.Errorf("loginInfo via the wrong data center = %d %v, want 200 with the right one's oauthUrl and restUrl", status, info)
	}
	reqs := wrong.Requests()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(wrong.URL() + "/rest-services/loginInfo?username=api.user")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusTemporaryRedirect || loc != right.URL()+"/rest-services/loginInfo?username=api.user" {
		t.Errorf("wrong data center answered %d to %q, want 307 to the same request at the right one", resp.StatusCode, loc)
	}
	if len(reqs) != 1 {
		t.Errorf("wrong data center logged %d requests, want 1", len(reqs))
	}
	if status, _ := call(t, "GET", right.URL()+"/rest-services/loginInfo", nil); status != http.StatusBadRequest {
		t.Errorf("loginInfo without username = %d, want 400", status)
	}
}
