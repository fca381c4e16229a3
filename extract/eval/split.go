package eval

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
)

// The project's own labelled sets live in extract/testdata; the key-phrase
// set is split into a tune and a holdout part by a fixed hash of each
// item's id, so that the split never changes when items are added.
const splitSeed = "doctales-i14"

// holdout reports whether the item with this id is in the holdout split
// (about 30% of the items).
func holdout(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(splitSeed + ":" + id))
	return h.Sum32()%10 < 3
}

// splitName names the split of the item with this id.
func splitName(id string) string {
	if holdout(id) {
		return "holdout"
	}
	return "tune"
}

// repoFile returns the path of rel under the module root found above the
// working directory.
func repoFile(rel string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, rel), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("module root not found above %s", wd)
		}
	}
}
