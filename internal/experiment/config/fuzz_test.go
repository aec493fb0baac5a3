package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzConfigFile feeds arbitrary config files to Load: no panic, errors name
// the file, and a configuration that loads renders as YAML that loads
// back to the same configuration.
func FuzzConfigFile(f *testing.F) {
	for _, name := range []string{"quickstart.yaml", "seed.yaml", "vae.yaml", "images-example.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "configs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("pretrain:\n  epochs: -3\n"))
	f.Add([]byte("pretrain: [1, 2]\n"))
	f.Add([]byte("reduce:\n  pca_dims: [2, x]\n"))
	f.Add([]byte("pretrain:\n  learning_rate: .nan\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("\t"))
	f.Add([]byte("data:\n  classes: [sandal, 5, \"ankle boot\"]\n"))
	f.Add([]byte("data:\n  classes: [Bag, bag]\n"))
	f.Add([]byte("data:\n  classes: []\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "exp.yaml")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Options{File: p, LookupEnv: env(nil)})
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name %s: %v", p, err)
			}
			return
		}
		y, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q := filepath.Join(t.TempDir(), "again.yaml")
		if err := os.WriteFile(q, y, 0o644); err != nil {
			t.Fatal(err)
		}
		c2, err := Load(Options{File: q, LookupEnv: env(nil)})
		if err != nil {
			t.Fatalf("the loaded configuration's YAML does not load: %v\n%s", err, y)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("YAML round trip changed the configuration:\n%+v\n%+v", *c, *c2)
		}
	})
}
