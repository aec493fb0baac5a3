package backend

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

func randTensor(r *rand.Rand, dims ...int) tensor {
	t := seq(dims...)
	for i := range t.data {
		t.data[i] = r.Float32()*2 - 1
	}
	return t
}

// matmul is the plain-Go reference: op(a)·op(b) in float64, with a stored
// transposed when ta (and b when tb).
func matmul(a, b tensor, ta, tb bool) (out []float64, m, n int) {
	at := func(x tensor, i, j int, tr bool) float64 {
		if tr {
			i, j = j, i
		}
		return float64(x.data[i*x.dims[1]+j])
	}
	m, k := a.dims[0], a.dims[1]
	if ta {
		m, k = k, m
	}
	n = b.dims[1]
	if tb {
		n = b.dims[0]
	}
	out = make([]float64, m*n)
	for i := range m {
		for j := range n {
			for q := range k {
				out[i*n+j] += at(a, i, q, ta) * at(b, q, j, tb)
			}
		}
	}
	return out, m, n
}

// stagedRun builds a graph on the staged builder, runs it twice (the second
// time donating the inputs) and returns the outputs of the first run and
// the builder.
func stagedRun(t *testing.T, config string, build func(b *stagedBuilder, in []backends.Op) []backends.Op, inputs ...tensor) ([]tensor, *stagedBuilder) {
	t.Helper()
	be, b, params := testBuilder(t, config, inputs...)
	outs := build(b, params)
	exec, err := b.Compile(outs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	var first []tensor
	for run, donate := range []bool{false, true} {
		var bufs []backends.Buffer
		for _, in := range inputs {
			buf, err := be.BufferFromFlatData(0, in.data, in.shape())
			if err != nil {
				t.Fatal(err)
			}
			bufs = append(bufs, buf)
		}
		res, err := exec.Execute(bufs, []bool{donate, donate, donate}[:len(bufs)], 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			s, err := be.BufferShape(r)
			if err != nil {
				t.Fatal(err)
			}
			got := seq(s.Dimensions...)
			if err := be.BufferToFlatData(r, got.data); err != nil {
				t.Fatal(err)
			}
			if run == 0 {
				first = append(first, got)
			} else if !equalFloats(got.data, first[i].data) {
				t.Errorf("output %d differs between two runs of the same graph", i)
			}
		}
	}
	return first, b
}

// testBuilder makes a backend from config and a staged builder on it with
// a parameter for each input, named a, b, c, ...
func testBuilder(t *testing.T, config string, inputs ...tensor) (backends.Backend, *stagedBuilder, []backends.Op) {
	t.Helper()
	be, err := newGo(config)
	if err != nil {
		t.Fatal(err)
	}
	b := be.Builder(t.Name()).(*stagedBuilder)
	params := make([]backends.Op, len(inputs))
	for i, in := range inputs {
		params[i] = must(t)(b.Parameter(string(rune('a'+i)), in.shape(), nil))
	}
	return be, b, params
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func must(t *testing.T) func(op backends.Op, err error) backends.Op {
	return func(op backends.Op, err error) backends.Op {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
}

// TestStagedGraph runs a graph whose values cross several stages: two
// chained products (one with both operands transposed), an input read in
// the first and the last stage, an input passed straight to the outputs,
// a product nobody reads, and elementwise operations between the products.
// Expected values come from plain-Go float64 loops; tolerance 1e-5 of the
// sum of absolute terms (float32 accumulation).
func TestStagedGraph(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x, w, v := randTensor(r, 50, 20), randTensor(r, 20, 30), randTensor(r, 40, 30)
	outs, b := stagedRun(t, "kernels=hourglass", func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		y := m(b.Dot(in[0], in[1]))                                     // [50, 30]
		z := m(b.Max(y, m(b.Constant([]float32{0}))))                   // ReLU, broadcast scalar
		_ = m(b.DotGeneral(in[0], []int{0}, nil, in[0], []int{0}, nil)) // unused product
		u := m(b.DotGeneral(in[2], []int{1}, nil, z, []int{1}, nil))    // [40, 50] = v·zᵀ
		s := m(b.Add(m(b.ReduceSum(u)), m(b.ReduceSum(in[0]))))         // reads x again
		return []backends.Op{u, s, in[1]}
	}, x, w, v)
	if n := b.countSteps(func(st step) bool { return st.prod != nil }); n != 3 {
		t.Errorf("%d product steps, want 3", n)
	}
	y, _, n := matmul(x, w, false, false)
	z := seq(50, n)
	for i, val := range y {
		z.data[i] = float32(max(val, 0))
	}
	want, _, _ := matmul(v, z, false, true)
	var sum float64
	for i, g := range outs[0].data {
		if math.Abs(float64(g)-want[i]) > 1e-4 {
			t.Fatalf("u[%d] = %v, want %v", i, g, want[i])
		}
		sum += want[i]
	}
	for _, val := range x.data {
		sum += float64(val)
	}
	if got := float64(outs[1].data[0]); math.Abs(got-sum) > 1e-3 {
		t.Errorf("sum = %v, want %v", got, sum)
	}
	if !equalFloats(outs[2].data, w.data) {
		t.Error("the input passed through changed")
	}
}

// TestStagedProductsAllOrientations checks each operand orientation of a
// product step against the float64 loop, on sizes that exercise partial
// tiles, and against simplego's own product (kernels=simplego).
func TestStagedProductsAllOrientations(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a, bb := randTensor(r, 37, 300), randTensor(r, 300, 19)
			if ta {
				a = randTensor(r, 300, 37)
			}
			if tb {
				bb = randTensor(r, 19, 300)
			}
			lc, rc := map[bool]int{false: 1, true: 0}[ta], map[bool]int{false: 0, true: 1}[tb]
			build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
				return []backends.Op{must(t)(b.DotGeneral(in[0], []int{lc}, nil, in[1], []int{rc}, nil))}
			}
			got, _ := stagedRun(t, "kernels=hourglass", build, a, bb)
			ref, _ := stagedRun(t, "kernels=simplego", build, a, bb)
			want, m, n := matmul(a, bb, ta, tb)
			if got[0].dims[0] != m || got[0].dims[1] != n {
				t.Fatalf("dims %v, want [%d %d]", got[0].dims, m, n)
			}
			for i := range want {
				if d := math.Abs(float64(got[0].data[i]) - want[i]); d > 1e-4 {
					t.Fatalf("ta=%v tb=%v: [%d] = %v, want %v", ta, tb, i, got[0].data[i], want[i])
				}
				if d := math.Abs(float64(ref[0].data[i]) - want[i]); d > 1e-4 {
					t.Fatalf("simplego ta=%v tb=%v: [%d] = %v, want %v", ta, tb, i, ref[0].data[i], want[i])
				}
			}
		}
	}
}

// TestStagedLeavesOtherProducts: float64 and batched products stay inside
// a stage (simplego's kernels), so no product step is made.
func TestStagedLeavesOtherProducts(t *testing.T) {
	be, err := newGo("kernels=hourglass")
	if err != nil {
		t.Fatal(err)
	}
	b := be.Builder(t.Name()).(*stagedBuilder)
	m := must(t)
	x := m(b.Parameter("x", shapes.Make(dtypes.Float64, 4, 5), nil))
	m(b.Dot(x, m(b.Transpose(x, 1, 0))))
	y := m(b.Parameter("y", shapes.Make(dtypes.Float32, 2, 4, 5), nil))
	m(b.DotGeneral(y, []int{2}, []int{0}, y, []int{2}, []int{0}))
	if n := b.countSteps(func(st step) bool { return st.prod != nil }); n != 0 {
		t.Errorf("%d product steps, want 0", n)
	}
}

// TestStagedForeignOperand: an operand from another builder is an error,
// not a panic.
func TestStagedForeignOperand(t *testing.T) {
	be, err := newGo("")
	if err != nil {
		t.Fatal(err)
	}
	b1 := be.Builder("one").(*stagedBuilder)
	b2 := be.Builder("two").(*stagedBuilder)
	x := must(t)(b1.Parameter("x", shapes.Make(dtypes.Float32, 2), nil))
	if _, err := b2.Neg(x); err == nil || !strings.Contains(err.Error(), `builder "two"`) {
		t.Errorf("got %v, want an error naming the builder", err)
	}
}

// TestBackendConfig: kernels=... is hourglass's option; a bad value is
// named.
func TestBackendConfig(t *testing.T) {
	if _, err := newGo("parallelism=-1,kernels=fast"); err == nil || !strings.Contains(err.Error(), "kernels=fast") {
		t.Errorf("got %v, want an error naming kernels=fast", err)
	}
	be, err := newGo("parallelism=-1,kernels=simplego")
	if err != nil {
		t.Fatal(err)
	}
	if be.(*Backend).kernels {
		t.Error("kernels=simplego left hourglass's kernels on")
	}
	// kernels=hourglass turns them on whatever the CPU (with the plain-Go
	// micro-kernel without AVX2/FMA); the default follows the CPU.
	be, err = newGo("kernels=hourglass")
	if err != nil || !be.(*Backend).kernels || PrefersIm2col(be) {
		t.Errorf("kernels=hourglass: %v, kernels on %v", err, err == nil && be.(*Backend).kernels)
	}
	be, err = newGo("")
	if err != nil || be.(*Backend).kernels != gemm.Accelerated {
		t.Errorf("default: %v, kernels on %v with AVX2/FMA %v", err, err == nil && be.(*Backend).kernels, gemm.Accelerated)
	}
}

// TestStagedDeadImport: a stage that imports a value only a dead operation
// reads, after the operations it does need (simplego indexes its tables by
// every parameter but sizes them by the outputs; it used to panic).
func TestStagedDeadImport(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := randTensor(r, 8, 8)
	outs, _ := stagedRun(t, "kernels=hourglass", func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		y := m(b.Dot(in[0], in[0])) // product step
		a := m(b.Neg(in[0]))        // stage 2 needs this
		_ = m(b.Neg(y))             // imports y into stage 2, never read
		z := m(b.Dot(a, a))         // ends stage 2
		return []backends.Op{z}
	}, x)
	want, _, n := matmul(x, x, false, false)
	for i := range want {
		if math.Abs(float64(outs[0].data[i])-want[i]) > 1e-4 {
			t.Fatalf("[%d,%d] = %v, want %v", i/n, i%n, outs[0].data[i], want[i])
		}
	}
}

// TestGeneratedOpsUpToDate regenerates staged_ops_gen.go from the GoMLX
// version in go.mod and compares: run `go generate ./backend` after
// upgrading GoMLX.
func TestGeneratedOpsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	out := filepath.Join(t.TempDir(), "ops.go")
	cmd := exec.Command("go", "run", "./internal/genops", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/genops: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("staged_ops_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("staged_ops_gen.go is stale: run `go generate ./backend`")
	}
}

// TestStagedRandomGraphs builds random graphs over 8x8 matrices — products
// (plain and transposed), element-wise operations, values read many steps
// later, inputs among the outputs — and runs each with hourglass's kernels
// (many stages) and with simplego's (one stage): the outputs must agree
// (tanh after every product keeps values in [-1, 1]; tolerance 1e-5).
// stagedRun also runs each graph a second time donating its inputs.
func TestStagedRandomGraphs(t *testing.T) {
	for seed := range 40 {
		r := rand.New(rand.NewPCG(uint64(seed), 77))
		nOps := 5 + r.IntN(20)
		ops := make([][3]int, nOps) // kind, operand picks
		for i := range ops {
			ops[i] = [3]int{r.IntN(7), r.IntN(1 << 20), r.IntN(1 << 20)}
		}
		nOut := 1 + r.IntN(4)
		outPicks := r.Perm(3 + nOps)[:nOut]
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			m := must(t)
			vals := append([]backends.Op(nil), in...)
			for _, op := range ops {
				x, y := vals[op[1]%len(vals)], vals[op[2]%len(vals)]
				var v backends.Op
				switch op[0] {
				case 0:
					v = m(b.Tanh(m(b.Dot(x, y))))
				case 1:
					v = m(b.Tanh(m(b.DotGeneral(x, []int{0}, nil, y, []int{1}, nil))))
				case 2:
					v = m(b.Add(x, y))
				case 3:
					v = m(b.Mul(x, y))
				case 4:
					v = m(b.Max(x, m(b.Neg(y))))
				case 5:
					v = m(b.Transpose(x, 1, 0))
				default:
					v = m(b.Tanh(m(b.Sub(x, y))))
				}
				vals = append(vals, v)
			}
			var outs []backends.Op
			for _, p := range outPicks {
				outs = append(outs, vals[p])
			}
			return outs
		}
		x, y, z := randTensor(r, 8, 8), randTensor(r, 8, 8), randTensor(r, 8, 8)
		got, _ := stagedRun(t, "kernels=hourglass", build, x, y, z)
		want, _ := stagedRun(t, "kernels=simplego", build, x, y, z)
		for k := range want {
			for j := range want[k].data {
				if d := math.Abs(float64(got[k].data[j] - want[k].data[j])); !(d <= 1e-5*max(1, math.Abs(float64(want[k].data[j])))) {
					t.Fatalf("seed %d: output %d [%d] = %v, one stage %v", seed, k, j, got[k].data[j], want[k].data[j])
				}
			}
		}
	}
}

// countSteps counts the builder's steps for which f holds.
func (b *stagedBuilder) countSteps(f func(step) bool) int {
	n := 0
	for _, st := range b.steps {
		if f(st) {
			n++
		}
	}
	return n
}
