package data

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// resolveClasses reads data.classes against the source's classes: the
// labels of the classes to keep, in the order listed; nil when the list is
// empty (every class). An entry is a class's name (any case, or its short
// form; the exact spelling first) or, when no class has that name, an
// index.
func (d *Dataset) resolveClasses(refs []string) ([]int, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	if len(refs) < 2 {
		return nil, fmt.Errorf("data.classes %s keeps one class of %s, which leaves nothing to tell apart: list 2 or more (or none, for every class)",
			quoteList(refs), d.where())
	}
	keep := make([]int, 0, len(refs))
	chosen := map[int]string{} // label -> the entry that chose it
	for _, ref := range refs {
		c, err := d.classOf(ref)
		if err != nil {
			return nil, err
		}
		if prev, ok := chosen[c]; ok {
			return nil, fmt.Errorf("data.classes %s: %q and %q are both class %d (%q) of %s; list each class once",
				quoteList(refs), prev, ref, c, d.Classes[c], d.where())
		}
		chosen[c] = ref
		keep = append(keep, c)
	}
	return keep, nil
}

// classOf is the label data.classes' entry ref stands for.
func (d *Dataset) classOf(ref string) (int, error) {
	r := strings.TrimSpace(ref)
	if c := slices.Index(d.Classes, r); c >= 0 && r != "" {
		return c, nil // the exact name first: names may differ in case only
	}
	for c, name := range d.Classes {
		if r != "" && (strings.EqualFold(r, name) || strings.EqualFold(r, shortForms[name])) {
			return c, nil
		}
	}
	last := len(d.Classes) - 1
	if i, err := strconv.Atoi(r); err == nil {
		if i < 0 || i > last {
			return 0, fmt.Errorf("data.classes: index %d is out of range: %s has %d classes, indices 0-%d (%s)",
				i, d.where(), len(d.Classes), last, classList(d.Classes))
		}
		return i, nil
	}
	hint := ""
	if s := d.nearestClass(r); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	return 0, fmt.Errorf("data.classes: %q is no class of %s%s; its classes are %s: list their names (any case) or indices 0-%d",
		ref, d.where(), hint, classList(d.Classes), last)
}

// nearestClass is the class name (or short form) nearest to ref by edit
// distance, in any case, if close: within a third of ref's length.
func (d *Dataset) nearestClass(ref string) string {
	var options []string
	spelled := map[string]string{}
	for _, name := range d.Classes {
		for _, n := range []string{name, shortForms[name]} {
			if low := strings.ToLower(n); n != "" && spelled[low] == "" {
				options = append(options, low)
				spelled[low] = n
			}
		}
	}
	return spelled[config.Nearest(strings.ToLower(ref), options, max(1, len(ref)/3))]
}

// keepClasses keeps the images of the classes keep lists, numbered 0 to
// len(keep)-1 in that order, names kept; nil keeps every class.
func (d *Dataset) keepClasses(keep []int) {
	if keep == nil {
		return
	}
	to := make([]int, len(d.Classes))
	for c := range to {
		to[c] = -1
	}
	names := make([]string, len(keep))
	for i, c := range keep {
		to[c] = i
		names[i] = d.Classes[c]
	}
	d.Train, d.Test = d.Train.relabel(to), d.Test.relabel(to)
	d.SourceClasses, d.Classes = d.Classes, names
}

// relabel copies the images whose label l has to[l] >= 0, in their order,
// labelled to[l].
func (s *Set) relabel(to []int) *Set {
	var idx []int
	for i, l := range s.Labels {
		if l >= 0 && l < len(to) && to[l] >= 0 {
			idx = append(idx, i)
		}
	}
	out := s.Subset(idx)
	for i, l := range out.Labels {
		out.Labels[i] = to[l]
	}
	return out
}

// classList lists names with their indices, the first 30 of a long list.
func classList(names []string) string {
	const most = 30
	var parts []string
	for i, n := range names {
		if i == most {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(names)))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %q", i, n))
	}
	return strings.Join(parts, ", ")
}

// quoteList writes data.classes' entries quoted: ["a", "b c"].
func quoteList(refs []string) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = strconv.Quote(r)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
