package pipedrivetest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestActivitiesListing(t *testing.T) {
	now := Epoch.Add(2 * time.Hour)
	ds, s := newTestServer(t, Sizes{Users: 3, Activities: 230}, Options{Now: func() time.Time { return now }})
	seen, pages, path := map[any]bool{}, 0, "/api/v2/activities?limit=100"
	for path != "" {
		status, h, body := get(t, s, path, token)
		if status != http.StatusOK || body["success"] != true || h.Get("x-ratelimit-limit") == "" {
			t.Fatalf("GET %s = %d %v, want 200 with success and rate-limit headers", path, status, body["success"])
		}
		pages++
		for _, a := range body["data"].([]any) {
			m := a.(map[string]any)
			seen[m["id"]] = true
			if _, ok := m["attendees"]; ok {
				t.Errorf("activity %v has attendees without include_fields=attendees", m["id"])
			}
			for _, k := range []string{"subject", "type", "owner_id", "is_deleted", "add_time", "update_time", "due_date", "done", "participants", "note"} {
				if _, ok := m[k]; !ok {
					t.Errorf("activity %v lacks %s", m["id"], k)
				}
			}
		}
		next := body["additional_data"].(map[string]any)["next_cursor"]
		path = ""
		if next != nil {
			path = "/api/v2/activities?limit=100&cursor=" + url.QueryEscape(next.(string))
		}
	}
	if len(seen) != 230 || pages != 3 {
		t.Errorf("listing gave %d activities in %d pages, want 230 in 3", len(seen), pages)
	}

	at := Epoch.Add(time.Hour)
	ds.DeleteActivity("5", at)
	ds.TouchActivity("6", at)
	_, _, body := get(t, s, "/api/v2/activities?updated_since="+url.QueryEscape(at.Format(time.RFC3339)), token)
	data := body["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["is_deleted"] != true || data[1].(map[string]any)["is_deleted"] != false {
		t.Errorf("updated_since listing = %v, want activity 5 deleted and 6 live", data)
	}
	for _, q := range []string{"limit=501", "cursor=not-base64!", "updated_since=yesterday", "include_fields=note", "owner_id=x"} {
		if status, _, body := get(t, s, "/api/v2/activities?"+q, token); status != http.StatusBadRequest || body["success"] != false {
			t.Errorf("GET ?%s = %d, want 400 with the error envelope", q, status)
		}
	}
}

func TestDailyBudget(t *testing.T) {
	_, s := newTestServer(t, Sizes{Users: 2, Deals: 5}, Options{DailyBudget: 45})
	for i, want := range []int{200, 200, 429, 429} {
		status, h, body := get(t, s, "/api/v2/deals", token)
		if status != want {
			t.Fatalf("request %d = %d, want %d", i, status, want)
		}
		if status == http.StatusTooManyRequests {
			if body["error"] != DailyBudgetMessage || body["errorCode"] != float64(429) || h.Get("x-ratelimit-remaining") == "0" {
				t.Errorf("429 = %v (remaining %s), want the daily budget error with burst room left", body, h.Get("x-ratelimit-remaining"))
			}
		}
	}
	if got := s.TokensSpent(); got != 40 {
		t.Errorf("tokens spent = %d, want 40 (refused requests cost nothing)", got)
	}
	s.ResetBudget()
	if status, _, _ := get(t, s, "/api/v2/deals", token); status != http.StatusOK {
		t.Errorf("after ResetBudget = %d, want 200", status)
	}
}
