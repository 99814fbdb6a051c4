package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Info is what the Go toolchain recorded about the build. Fields the
// toolchain did not record (a test binary, a build without VCS stamping)
// are empty.
type Info struct {
	// Module is the main module's path.
	Module string `json:"module"`
	// Version is the module version: a tag or pseudo-version when built
	// with go install, "(devel)" from a checkout.
	Version string `json:"version"`
	// Revision is the VCS commit (vcs.revision).
	Revision string `json:"revision,omitempty"`
	// Time is the commit time, RFC 3339 (vcs.time).
	Time string `json:"time,omitempty"`
	// Modified reports uncommitted changes in the build's tree
	// (vcs.modified).
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown"}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts Info from what debug.ReadBuildInfo returns.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	if bi == nil {
		return Info{Version: "unknown"}
	}
	in := Info{Module: bi.Main.Path, Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// Short is a one-line form for logs and reports:
// "v1.2.0 (3f2a9c1d0b7e, modified)" or "(devel)".
func (in Info) Short() string {
	var b strings.Builder
	b.WriteString(in.Version)
	var extra []string
	if in.Revision != "" {
		extra = append(extra, shortRev(in.Revision))
	}
	if in.Modified {
		extra = append(extra, "modified")
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// String is the multi-line form `tally version` prints.
func (in Info) String() string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	line("version", in.Version)
	line("module", in.Module)
	line("revision", in.Revision)
	line("revision time", in.Time)
	if in.Revision != "" {
		line("modified", map[bool]string{true: "yes", false: "no"}[in.Modified])
	}
	line("go", in.GoVersion)
	return b.String()
}

func shortRev(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
