package dashboard

import (
	"io/fs"
	"mime"
	"path"
	"strings"
	"testing"
)

// TestAssetTypes checks that every embedded file's extension has its
// media type in assetTypes, so that serving the dashboard never reads the
// system's MIME tables at start (issue 15), and that each type there
// agrees with the one the standard library gives for the extension.
func TestAssetTypes(t *testing.T) {
	n := 0
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		if _, ok := assetTypes[path.Ext(p)]; !ok {
			t.Errorf("embedded file %s: extension %q has no entry in assetTypes (add its media type there)", p, path.Ext(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no embedded files found under static/")
	}
	for ext, want := range assetTypes {
		got := mime.TypeByExtension(ext)
		if got == "" {
			continue // not in this system's tables
		}
		base := func(s string) string { b, _, _ := strings.Cut(s, ";"); return strings.TrimSpace(b) }
		if base(got) != base(want) {
			t.Errorf("assetTypes[%q] = %q; mime.TypeByExtension gives %q", ext, want, got)
		}
	}
}
