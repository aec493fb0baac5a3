package engine

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// checkpointMeta is what a GoMLX checkpoint's metadata file says its data
// file holds.
type checkpointMeta struct {
	Params []struct {
		Scope, Key string
	}
	Variables []struct {
		ParameterName string
		Dimensions    []int
		DType         dtypes.DType
	}
}

// binHeader opens a GoMLX data file whose variables are gzip'd; without
// it they are stored as they are.
const binHeader = "gomlx_checkpoints\x04gzip"

// vetCheckpoint checks the newest checkpoint in dir, the one GoMLX loads:
// its metadata must parse and describe variables of valid shapes whose
// bytes its data file holds, under names and scopes GoMLX accepts. GoMLX
// panics on a negative dimension, an unknown dtype or a relative scope,
// and allocates whatever a shape says before reading it, so a damaged or
// foreign checkpoint is stopped here with an error naming the file.
func vetCheckpoint(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	last := ""
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, "checkpoint-") && strings.HasSuffix(n, checkpoints.JsonNameSuffix) && n > last {
			last = n
		}
	}
	if last == "" {
		return nil // no variables saved: GoMLX loads none
	}
	metaPath := filepath.Join(dir, last)
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return fmt.Errorf("checkpoint metadata %s: %w", metaPath, err)
	}
	var meta *checkpointMeta
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&meta); err != nil || meta == nil {
		if err == nil {
			err = fmt.Errorf("null")
		}
		return fmt.Errorf("checkpoint metadata %s is corrupt: %v", metaPath, err)
	}
	for _, p := range meta.Params {
		if !strings.HasPrefix(p.Scope, context.ScopeSeparator) {
			return fmt.Errorf("checkpoint metadata %s is corrupt: parameter %q has scope %q, not an absolute one", metaPath, p.Key, p.Scope)
		}
	}
	var need int64 // bytes the variables take
	seen := map[string]bool{}
	for _, v := range meta.Variables {
		scope, name := context.VariableScopeAndNameFromParameterName(v.ParameterName)
		if !strings.HasPrefix(scope, context.ScopeSeparator) || name == "" || seen[v.ParameterName] {
			return fmt.Errorf("checkpoint metadata %s is corrupt: variable name %q is not var:/scope/name or is repeated", metaPath, v.ParameterName)
		}
		seen[v.ParameterName] = true
		n, ok := tensorBytes(v.DType, v.Dimensions)
		if !ok || n > math.MaxInt64-need {
			return fmt.Errorf("checkpoint metadata %s is corrupt: variable %q has shape %v of %s, not a tensor hourglass can hold",
				metaPath, v.ParameterName, v.Dimensions, v.DType)
		}
		need += n
	}
	binPath := strings.TrimSuffix(metaPath, checkpoints.JsonNameSuffix) + checkpoints.BinDataSuffix
	have, err := dataBytes(binPath, need)
	if err != nil {
		return fmt.Errorf("checkpoint data %s: %w", binPath, err)
	}
	if have < need {
		return fmt.Errorf("checkpoint data %s holds %d bytes but %s declares %d: truncated or corrupt", binPath, have, metaPath, need)
	}
	return nil
}

// tensorBytes is the size of a tensor of dtype and dims, false for an
// invalid shape, a dtype with no Go values, or a size past 2^62 bytes.
func tensorBytes(dt dtypes.DType, dims []int) (int64, bool) {
	var size int64
	switch dt {
	case dtypes.Bool, dtypes.Int8, dtypes.Uint8:
		size = 1
	case dtypes.Int16, dtypes.Uint16, dtypes.Float16, dtypes.BFloat16:
		size = 2
	case dtypes.Int32, dtypes.Uint32, dtypes.Float32:
		size = 4
	case dtypes.Int64, dtypes.Uint64, dtypes.Float64, dtypes.Complex64:
		size = 8
	case dtypes.Complex128:
		size = 16
	default:
		return 0, false
	}
	for _, d := range dims {
		if d < 0 || d > 0 && size > (1<<62)/int64(d) {
			return 0, false
		}
		size *= int64(d)
	}
	return size, true
}

// dataBytes counts the variable bytes a data file holds, up to need when
// they are gzip'd (so that a gzip bomb is never read whole here).
func dataBytes(path string, need int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, len(binHeader))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if string(head[:n]) != binHeader { // a short file is no gzip'd one
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, fmt.Errorf("corrupt gzip stream: %w", err)
	}
	have, err := io.CopyN(io.Discard, zr, need)
	if err != nil && err != io.EOF {
		return have, fmt.Errorf("corrupt gzip stream after %d bytes: %w", have, err)
	}
	return have, nil
}
