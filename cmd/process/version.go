package process

import (
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// version is the release a build names itself, set at link time:
//
//	go build -ldflags "-X github.com/webexpipe/webexpipe/cmd/process.version=v1.4.0" ./cmd/...
//
// `make build` and `make image` set it from `git describe --always --dirty`.
// Empty, the module version the Go toolchain stamped is used. It is the one
// package-level variable here because the linker can only set those.
var version string

// BuildInfo says which code a binary was built from.
type BuildInfo struct {
	// Version is the release: the link-time version when set, else the
	// main module's version ("(devel)" for a build from a work tree
	// without a tag).
	Version string
	// Revision is the VCS commit the build was made from, "unknown" when
	// the build carried no VCS information (go run, -buildvcs=false).
	Revision string
	// Modified is true when the work tree had uncommitted changes.
	Modified bool
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string
}

// Build reads the binary's build information.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Revision: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

// String is what --version prints, e.g.
// "v1.4.0 (revision 3f2c..., modified, go1.26.8)".
func (b BuildInfo) String() string {
	parts := []string{"revision " + b.Revision}
	if b.Modified {
		parts = append(parts, "modified")
	}
	parts = append(parts, b.GoVersion)
	return b.Version + " (" + strings.Join(parts, ", ") + ")"
}

// buildInfoCollector is webexpipe_build_info: one series, always 1, whose
// labels say what is running; a dashboard joins it to see which version
// each instance runs.
func buildInfoCollector(b BuildInfo) prometheus.Collector {
	revision := b.Revision
	if b.Modified {
		revision += "-modified"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "webexpipe_build_info",
		Help:        "Always 1; the labels say which version, VCS revision and Go toolchain built this binary.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": revision, "go_version": b.GoVersion},
	})
	g.Set(1)
	return g
}
