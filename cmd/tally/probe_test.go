package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/healthz":
			w.Write([]byte("ok"))
		case r.URL.Path == "/api" && r.Header.Get("Authorization") == "Bearer s3cret-admin":
			w.Write([]byte("{}"))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	t.Setenv("TEST_ADMIN_TOKEN", "s3cret-admin")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"probe", srv.URL + "/healthz"}, exitOK},
		{[]string{"probe", srv.URL + "/readyz"}, exitFailed},
		{[]string{"probe", srv.URL + "/api"}, exitFailed},
		{[]string{"probe", "--token-env", "TEST_ADMIN_TOKEN", srv.URL + "/api"}, exitOK},
		{[]string{"probe", "--token-env", "TEST_UNSET_TOKEN", srv.URL + "/api"}, exitConfig},
		{[]string{"probe", "http://127.0.0.1:1/healthz"}, exitFailed},
		{[]string{"probe", "ftp://x/healthz"}, exitConfig},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errb.String())
		}
		if bytes.Contains(out.Bytes(), []byte("s3cret")) || bytes.Contains(errb.Bytes(), []byte("s3cret")) {
			t.Errorf("%v: output carries the token", tc.args)
		}
	}
}
