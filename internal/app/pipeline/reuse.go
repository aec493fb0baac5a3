package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
)

// reusable says whether a stage's outputs can be copied from another
// experiment: every stage whose outputs all lie in its own folder. compare
// also writes report.md, report.html and results.json beside the folders,
// and its settings hold the experiment's name, so it never matches
// another run's and always runs.
func reusable(stage string) bool { return stage != layout.Compare }

// reuse looks for a finished stage with fingerprint fp in the output
// folders from (in order; cfg's own is passed over) and copies the first
// into cfg's output folder. It returns the copied record and the folder
// it came from, or an empty folder when none matched.
//
// The copy is made in a temporary folder beside the stage's and renamed
// into place, so an interrupted copy leaves no record. Files are hard
// links (every stage writes by renaming a new file into place, so a later
// write in either folder never changes the other's), or copies where
// links fail. JSON files are rewritten with the other folder's path
// replaced by this one's (finetune's results.json keeps the checkpoint it
// read, to tell whether a later run may resume it), the saved
// configuration is this experiment's, and the .done record says where the
// stage came from.
func reuse(cfg *config.Config, stage, fp string, from []string) (Record, string, error) {
	own := filepath.Clean(cfg.OutputDir)
	for _, dir := range from {
		if filepath.Clean(dir) == own {
			continue
		}
		rec, ok := readRecord(layout.At(dir).Done(stage))
		if !ok || rec.Fingerprint != fp {
			continue
		}
		rec.ReusedFrom = dir
		if err := copyStage(dir, cfg, stage, rec); err != nil {
			return Record{}, "", fmt.Errorf("reusing %s from %s: %w", stage, dir, err)
		}
		return rec, dir, nil
	}
	return Record{}, "", nil
}

func copyStage(srcRoot string, cfg *config.Config, stage string, rec Record) error {
	src := layout.At(srcRoot).StageDir(stage)
	dst := layout.At(cfg.OutputDir).StageDir(stage)
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".reuse-tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone once renamed
	replace := pathReplacer(srcRoot, cfg.OutputDir)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(tmp, rel)
		name := d.Name()
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case name == layout.LockFile || name == layout.DoneFile || name == layout.ConfigFile:
			return nil // this experiment's own, written below
		case strings.Contains(name, ".tmp-"):
			return nil // a write in flight (atomicfile's temporary name)
		case strings.HasSuffix(name, ".json"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(to, replace(b), 0o644)
		}
		return linkOrCopy(path, to)
	})
	if err != nil {
		return err
	}
	if err := cfg.Save(filepath.Join(tmp, layout.ConfigFile)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, layout.DoneFile), b); err != nil {
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// pathReplacer rewrites JSON text naming the folder from (as a whole
// string, or as the start of a path in it) to name to instead.
func pathReplacer(from, to string) func([]byte) []byte {
	quote := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err) // a string always marshals
		}
		return strings.Trim(string(b), `"`)
	}
	sep := quote(string(filepath.Separator))
	f, t := quote(filepath.Clean(from)), quote(filepath.Clean(to))
	pairs := [][2][]byte{{[]byte(`"` + f + `"`), []byte(`"` + t + `"`)}, {[]byte(`"` + f + sep), []byte(`"` + t + sep)}}
	return func(b []byte) []byte {
		for _, p := range pairs {
			b = bytes.ReplaceAll(b, p[0], p[1])
		}
		return b
	}
}

func linkOrCopy(from, to string) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
