package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bi        *debug.BuildInfo
		want      Info
		short     string
		lines     []string
		lacksLine string
	}{
		{
			name: "stamped and modified",
			bi: &debug.BuildInfo{GoVersion: "go1.24.1", Main: debug.Module{Path: "github.com/tally-dev/tally", Version: "v1.4.0"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}}},
			want: Info{Module: "github.com/tally-dev/tally", Version: "v1.4.0", Revision: "0123456789abcdef0123",
				Time: "2026-12-01T10:00:00Z", Modified: true, GoVersion: "go1.24.1"},
			short: "v1.4.0 (0123456789ab, modified)",
			lines: []string{"version: v1.4.0", "revision: 0123456789abcdef0123", "revision time: 2026-12-01T10:00:00Z", "modified: yes", "go: go1.24.1"},
		},
		{
			name:      "checkout without VCS stamp",
			bi:        &debug.BuildInfo{GoVersion: "go1.24.1", Main: debug.Module{Path: "github.com/tally-dev/tally"}},
			want:      Info{Module: "github.com/tally-dev/tally", Version: "(devel)", GoVersion: "go1.24.1"},
			short:     "(devel)",
			lines:     []string{"version: (devel)", "go: go1.24.1"},
			lacksLine: "modified",
		},
		{name: "no build info", want: Info{Version: "unknown"}, short: "unknown", lines: []string{"version: unknown"}, lacksLine: "revision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromBuildInfo(tc.bi)
			if got != tc.want {
				t.Fatalf("FromBuildInfo = %+v, want %+v", got, tc.want)
			}
			if s := got.Short(); s != tc.short {
				t.Errorf("Short = %q, want %q", s, tc.short)
			}
			s := got.String()
			for _, l := range tc.lines {
				if !strings.Contains(s, l+"\n") {
					t.Errorf("String lacks %q:\n%s", l, s)
				}
			}
			if tc.lacksLine != "" && strings.Contains(s, tc.lacksLine) {
				t.Errorf("String has %q:\n%s", tc.lacksLine, s)
			}
		})
	}
}

func TestReadInTestBinary(t *testing.T) {
	in := Read()
	if in.GoVersion == "" || in.Version == "" {
		t.Errorf("Read() = %+v, want a Go version and a version", in)
	}
}
