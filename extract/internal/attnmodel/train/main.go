// Command train fits the learned attention model on the tune split of the
// urgency set (extract/testdata/urgency), chooses its thresholds by 5-fold
// cross-validation on the same messages, and writes the weights the
// extraction engine embeds:
//
//	go run ./extract/internal/attnmodel/train -out extract/data/attention_model.json
//
// With -report it also prints the honest measure ("doctales eval
// attention"): leave-one-round-out and past-only over the blind rounds,
// and the hold-out and fresh splits. -cache keeps the engine's output for
// each message in a file, read back on the next run when it exists (the
// engine takes a minute or two over the set; delete the file when the
// engine changes).
//
// Only labels of the tune split train a model, and no message file
// numbered above eval.MaxAttentionFile is read. Training is deterministic:
// the same data gives the same weights.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/doctales/doctales/extract/eval"
	"github.com/doctales/doctales/extract/internal/attnmodel"
)

func main() {
	out := flag.String("out", "extract/data/attention_model.json", "where to write the weights (empty: do not write)")
	report := flag.Bool("report", false, "print the leave-one-round-out, past-only, hold-out and fresh figures")
	cache := flag.String("cache", "", "file keeping the engine's output per message (read when it exists)")
	firstRun := flag.String("firstrun", "", "commit=file,...: the output of sessions' first builds (firstrun/firstrun.sh); prints the first-run report")
	flag.Parse()

	if *firstRun != "" {
		byCommit := map[string][]eval.AttentionItem{}
		for _, kv := range strings.Split(*firstRun, ",") {
			commit, file, ok := strings.Cut(kv, "=")
			if !ok {
				log.Fatalf("-firstrun %q: want commit=file", kv)
			}
			its, err := readItems(file)
			if err != nil {
				log.Fatal(err)
			}
			byCommit[commit] = its
		}
		eval.Print(os.Stdout, eval.FirstRunReport(byCommit))
	}

	items, err := load(*cache)
	if err != nil {
		log.Fatal(err)
	}
	if *report {
		eval.Print(os.Stdout, eval.AttentionReport(items))
	}
	if *out == "" {
		return
	}
	var tune []eval.AttentionItem
	for _, it := range items {
		if it.Label.Split == "tune" {
			tune = append(tune, it)
		}
	}
	m := eval.TrainAttention(tune)
	b, err := m.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %d weights, %d bytes; raise %.2f, lower %.2f (%s)\n", *out, len(m.Weights), len(b), m.Raise, m.Lower, m.Trained)
}

// load returns the items of the tune, hold-out and fresh splits: from
// cache when it exists, else from the engine (then written to cache).
func load(cache string) ([]eval.AttentionItem, error) {
	if cache != "" {
		if _, err := os.Stat(cache); err == nil {
			return readItems(cache)
		}
	}
	dir := eval.UrgencyDir()
	labels, err := eval.LoadUrgencyLabels(dir)
	if err != nil {
		return nil, err
	}
	items, err := eval.CollectAttention(context.Background(), dir, labels, func(l eval.UrgencyLabel) bool {
		return l.Split == "tune" || l.Split == "holdout" || l.Split == "fresh"
	})
	if err != nil {
		return nil, err
	}
	if cache != "" {
		b, err := json.Marshal(items)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(cache, b, 0o644); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// readItems reads items written by load or by firstrun.sh's dumper, and
// computes their features.
func readItems(file string) ([]eval.AttentionItem, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var items []eval.AttentionItem
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range items {
		if items[i].Input == nil {
			return nil, fmt.Errorf("%s: item %d (%s) has no input", file, i, items[i].Label.File)
		}
		if items[i].Num > eval.MaxAttentionFile {
			return nil, fmt.Errorf("%s: item %d is file %s, above %d (kept to measure the model)", file, i, items[i].Label.File, eval.MaxAttentionFile)
		}
		items[i].Feats = attnmodel.Features(*items[i].Input)
	}
	return items, nil
}
