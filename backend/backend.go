package backend

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// Name is the registered name of the wrapped pure-Go backend (usable in
// GOMLX_BACKEND too).
const Name = "hourglass-go"

func init() {
	backends.Register(Name, newGo)
}

// Backend is simplego's backend with the missing operations filled in.
type Backend struct {
	*simplego.Backend
	// kernels: float32 matrix products, convolutions and max pooling run
	// on hourglass's kernels (staged.go) between simplego stages. The
	// option kernels=hourglass|simplego sets it; by default it is on where
	// the AVX2/FMA micro-kernel runs (with the plain-Go micro-kernel the
	// kernels measured slower than simplego's: 379 against 334 ms a step).
	kernels bool
	// noGroups runs small independent steps one after another rather than
	// on the cores at once (option groups=off; staged_group.go).
	noGroups bool
	// prof, when set, times every step of every executable (StartProfile).
	prof atomic.Pointer[profile]
}

// Builder embeds simplego's Builder; the methods defined in this package
// override or add operations.
type Builder struct {
	*simplego.Builder
}

var _ backends.Backend = (*Backend)(nil)
var _ backends.Builder = (*Builder)(nil)

// DefaultGoConfig is the simplego configuration hourglass uses.
//
// simplego runs independent operations of a graph as tasks of a worker
// pool (2 x cores slots) and its matrix products start sub-tasks in the same
// pool; when every slot holds a product waiting for a slot for its
// sub-tasks, execution deadlocks (seen here: finetune's "unfrozen" graph,
// forever at 3% CPU). Without a bound ("parallelism=-1") nothing waits for a
// slot, and it measured no slower than the bounded pool.
const DefaultGoConfig = "parallelism=-1"

// newGo creates the backend from a configuration: simplego's options
// (comma separated) plus hourglass's own kernels=hourglass or
// kernels=simplego (default: hourglass where AVX2/FMA run, else simplego).
func newGo(config string) (backends.Backend, error) {
	if config == "" {
		config = DefaultGoConfig
	}
	kernels := gemm.Accelerated
	noGroups := false
	var rest []string
	for _, opt := range strings.Split(config, ",") {
		switch opt {
		case "kernels=hourglass":
			kernels = true
		case "kernels=simplego":
			kernels = false
		case "groups=off":
			noGroups = true
		case "groups=on":
			noGroups = false
		default:
			if strings.HasPrefix(opt, "kernels=") {
				return nil, fmt.Errorf("backend option %q: use kernels=hourglass or kernels=simplego", opt)
			}
			rest = append(rest, opt)
		}
	}
	if kernels && !slices.ContainsFunc(rest, func(o string) bool { return strings.HasPrefix(o, "ops_") }) {
		// What stays in simplego's stages next to hourglass's kernels is a
		// few small operations (an optimiser's step count and its powers):
		// one after another costs less than waking goroutines for them.
		rest = append(rest, "ops_sequential")
	}
	b, err := quietly(func() (backends.Backend, error) { return simplego.New(strings.Join(rest, ",")) })
	if err != nil {
		return nil, err
	}
	InstallGradients()
	return &Backend{Backend: b.(*simplego.Backend), kernels: kernels, noGroups: noGroups}, nil
}

var stdoutMu sync.Mutex

// quietly runs f with os.Stdout sent to /dev/null: simplego.New prints its
// parallelism setting to stdout, which would corrupt hourglass's own output
// (e.g. bench --json). Backends are created once per process, at start-up.
func quietly[T any](f func() (T, error)) (T, error) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return f()
	}
	defer null.Close()
	saved := os.Stdout
	os.Stdout = null
	defer func() { os.Stdout = saved }()
	return f()
}

// Name describes the backend.
func (b *Backend) Name() string { return "hourglass pure Go (simplego + filled ops)" }

// String is the backend's configuration name.
func (b *Backend) String() string { return Name }

// Builder returns a builder that fills in simplego's missing operations
// and runs float32 products, convolutions and pooling on hourglass's
// kernels (see staged.go).
func (b *Backend) Builder(name string) backends.Builder {
	return newStagedBuilder(b, name)
}

// filledBuilder returns a plain simplego builder with the missing
// operations filled in: one stage of the staged builder.
func (b *Backend) filledBuilder(name string) *Builder {
	return &Builder{Builder: b.Backend.Builder(name).(*simplego.Builder)}
}

// Capabilities adds the filled-in operations to simplego's.
func (b *Backend) Capabilities() backends.Capabilities {
	c := b.Backend.Capabilities().Clone()
	for _, op := range []backends.OpType{backends.OpTypePad, backends.OpTypeReverse,
		backends.OpTypeSelectAndScatterMax, backends.OpTypeSelectAndScatterMin} {
		c.Operations[op] = true
	}
	return c
}

// NewGo creates a new, unshared pure-Go backend from a configuration:
// simplego's options plus kernels=hourglass|simplego (see newGo).
func NewGo(config string) (backends.Backend, error) { return newGo(config) }

// XLAAvailable reports whether this binary was built with the xla tag.
var XLAAvailable = false

var cache sync.Map // config name -> backends.Backend

// New returns the backend for an experiment's `backend` value: "go" (the
// default, pure Go), "xla:cpu" or "xla:cuda". Backends are created once per
// process and shared.
func New(name string) (backends.Backend, error) {
	if b, ok := cache.Load(name); ok {
		return b.(backends.Backend), nil
	}
	var b backends.Backend
	var err error
	switch {
	case name == "" || name == "go":
		b, err = newGo("")
	case strings.HasPrefix(name, "xla"):
		if !XLAAvailable {
			return nil, fmt.Errorf("backend %q: this hourglass was built without XLA; rebuild with `go build -tags xla ./cmd/hourglass` (needs XLA's PJRT plugin), or use backend: go", name)
		}
		b, err = newXLA(name)
	default:
		return nil, fmt.Errorf("unknown backend %q: use go, xla:cpu or xla:cuda", name)
	}
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", name, err)
	}
	actual, _ := cache.LoadOrStore(name, b)
	return actual.(backends.Backend), nil
}

// PrefersIm2col reports whether the model should build convolutions as
// im2col matrix products rather than ConvGeneral on b: on simplego, whose
// ConvGeneral is a plain loop, and on hourglass-go when its own kernels are
// off (kernels=simplego, the default without AVX2/FMA). hourglass-go with
// its kernels runs ConvGeneral itself (conv.go), faster than im2col built
// from graph operations; XLA has its own.
func PrefersIm2col(b backends.Backend) bool {
	switch x := b.(type) {
	case *Backend:
		return !x.kernels
	case *simplego.Backend:
		return true
	}
	return false
}

// Kernels describes what runs b's heavy operations: "hourglass
// (AVX-512)", "hourglass (AVX2/FMA)" or "hourglass (plain Go)" on
// hourglass-go with its kernels,
// "simplego" on simplego (wrapped or not), "" on other backends.
func Kernels(b backends.Backend) string {
	switch {
	case !IsPureGo(b):
		return ""
	case PrefersIm2col(b):
		return "simplego"
	case gemm.AVX512:
		return "hourglass (AVX-512)"
	case gemm.Accelerated:
		return "hourglass (AVX2/FMA)"
	}
	return "hourglass (plain Go)"
}

// IsPureGo reports whether b executes with simplego's kernels (wrapped or
// not).
func IsPureGo(b backends.Backend) bool {
	switch b.(type) {
	case *Backend, *simplego.Backend:
		return true
	}
	return false
}
