package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainLinesEveryTenPercent(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "fetch", 100, " images")
	for i := 0; i < 100; i++ {
		b.Add(1)
	}
	b.Finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 10%, 20%, ..., 100% from Add; Finish adds nothing new at 100%.
	if len(lines) != 10 {
		t.Fatalf("got %d lines, want 10:\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[9], "fetch: 100 images/100 images") {
		t.Errorf("last line %q", lines[9])
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("plain output contains carriage returns")
	}
}

func TestBytesUnit(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x", 2_000_000, "B")
	if _, err := b.Write(make([]byte, 2_000_000)); err != nil {
		t.Fatal(err)
	}
	b.Finish()
	if !strings.Contains(buf.String(), "2.0MB/2.0MB") {
		t.Errorf("output %q lacks 2.0MB/2.0MB", buf.String())
	}
}
