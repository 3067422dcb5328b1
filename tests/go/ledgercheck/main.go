// Command ledgercheck checks Mamori's checkpoints, proofs and exports with Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, an implementation
// Mamori shares no code with. tests/cli/t0403-ledger-go.sh runs it.
//
//	ledgercheck checkpoint VKEY CHECKPOINT
//	ledgercheck inclusion VKEY CHECKPOINT PROOF.json ENTRY
//	ledgercheck consistency VKEY OLD-CHECKPOINT NEW-CHECKPOINT CONSISTENCY.json
//	ledgercheck export DIR
//
// It prints "ok ..." and exits 0 when everything checks, else prints the reason
// and exits 1.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ledgercheck: "+format+"\n", args...)
	os.Exit(1)
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

// openCheckpoint verifies a signed note with note.Open and parses its
// C2SP tlog-checkpoint body (tlog.ParseTree only knows the go.sum origin).
func openCheckpoint(vkey string, msg []byte) tlog.Tree {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("checkpoint: origin %q is not the key's name %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint: bad size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint: bad root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], raw)
	return tlog.Tree{N: size, Hash: h}
}

func hashes(b64 []string) []tlog.Hash {
	out := make([]tlog.Hash, len(b64))
	for i, s := range b64 {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != tlog.HashSize {
			fail("bad hash %q in proof", s)
		}
		copy(out[i][:], raw)
	}
	return out
}

func inclusion(vkey, cpFile, proofFile, entryFile string) {
	tree := openCheckpoint(vkey, read(cpFile))
	var p struct {
		Index    int64    `json:"index"`
		TreeSize int64    `json:"tree_size"`
		LeafHash string   `json:"leaf_hash"`
		Proof    []string `json:"proof"`
	}
	if err := json.Unmarshal(read(proofFile), &p); err != nil {
		fail("proof: %v", err)
	}
	if p.TreeSize != tree.N {
		fail("proof is for size %d, checkpoint for %d", p.TreeSize, tree.N)
	}
	leaf := tlog.RecordHash(read(entryFile))
	if base64.StdEncoding.EncodeToString(leaf[:]) != p.LeafHash {
		fail("leaf_hash is not tlog.RecordHash of the entry")
	}
	if err := tlog.CheckRecord(tlog.RecordProof(hashes(p.Proof)), tree.N, tree.Hash, p.Index, leaf); err != nil {
		fail("inclusion of entry %d in %d: %v", p.Index, tree.N, err)
	}
	fmt.Printf("ok inclusion of entry %d in tree %d\n", p.Index, tree.N)
}

func consistency(vkey, oldFile, newFile, proofFile string) {
	old := openCheckpoint(vkey, read(oldFile))
	cur := openCheckpoint(vkey, read(newFile))
	var p struct {
		OldSize int64    `json:"old_size"`
		NewSize int64    `json:"new_size"`
		Proof   []string `json:"proof"`
	}
	if err := json.Unmarshal(read(proofFile), &p); err != nil {
		fail("consistency proof: %v", err)
	}
	if p.OldSize != old.N || p.NewSize != cur.N {
		fail("proof is for %d→%d, checkpoints for %d→%d", p.OldSize, p.NewSize, old.N, cur.N)
	}
	if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Proof)), cur.N, cur.Hash, old.N, old.Hash); err != nil {
		fail("consistency %d→%d: %v", old.N, cur.N, err)
	}
	fmt.Printf("ok consistency %d→%d\n", old.N, cur.N)
}

// exportTiles serves an export's C2SP tiles to tlog.TileHashReader.
type exportTiles struct{ dir string }

func (e exportTiles) Height() int { return 8 }

func (e exportTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		// Go's path is tile/8/L/N...; C2SP drops the height: tile/L/N...
		p := strings.TrimPrefix(t.Path(), "tile/8/")
		b, err := os.ReadFile(filepath.Join(e.dir, "tile", p))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (e exportTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func entries(dir string, size int64) [][]byte {
	var all [][]byte
	for n := int64(0); n*256 < size; n++ {
		w := size - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: n, W: int(w)}
		p := strings.TrimPrefix(t.Path(), "tile/8/data/")
		b := read(filepath.Join(dir, "tile", "entries", p))
		for len(b) > 0 {
			if len(b) < 2 {
				fail("entry bundle %d is truncated", n)
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				fail("entry bundle %d is truncated", n)
			}
			all = append(all, b[2:2+l])
			b = b[2+l:]
		}
	}
	if int64(len(all)) != size {
		fail("export has %d entries, checkpoint says %d", len(all), size)
	}
	return all
}

func export(dir string) {
	keys := strings.Split(strings.TrimSpace(string(read(filepath.Join(dir, "key.pub")))), "\n")
	tree := openCheckpoint(keys[len(keys)-1], read(filepath.Join(dir, "checkpoint")))
	if tree.N == 0 {
		// tlog calls the empty tree's hash all zeros; RFC 6962 says SHA-256 of nothing.
		if tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			fail("the empty tree's root is not SHA-256 of nothing")
		}
		fmt.Printf("ok export: 0 entries\n")
		return
	}
	r := tlog.TileHashReader(tree, exportTiles{dir})
	root, err := tlog.TreeHash(tree.N, r)
	if err != nil {
		fail("tree hash from the tiles: %v", err)
	}
	if root != tree.Hash {
		fail("tiles give root %v, checkpoint says %v", root, tree.Hash)
	}
	all := entries(dir, tree.N)
	step := tree.N/97 + 1
	checked := 0
	for i := int64(0); i < tree.N; i += step {
		p, err := tlog.ProveRecord(tree.N, i, r)
		if err != nil {
			fail("prove entry %d from the tiles: %v", i, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(all[i])); err != nil {
			fail("entry %d: %v", i, err)
		}
		checked++
	}
	// Every stored checkpoint is a prefix of this tree: tlog proves it from the tiles.
	names, _ := os.ReadDir(filepath.Join(dir, "checkpoints"))
	for _, d := range names {
		old := openCheckpoint(keys[len(keys)-1], read(filepath.Join(dir, "checkpoints", d.Name())))
		if old.N == 0 || old.N == tree.N {
			continue
		}
		tp, err := tlog.ProveTree(tree.N, old.N, r)
		if err == nil {
			err = tlog.CheckTree(tp, tree.N, tree.Hash, old.N, old.Hash)
		}
		if err != nil {
			fail("checkpoint %d is not a prefix of %d: %v", old.N, tree.N, err)
		}
	}
	fmt.Printf("ok export: %d entries, %d inclusion proofs, %d checkpoints\n", tree.N, checked, len(names))
}

func main() {
	a := os.Args
	switch {
	case len(a) == 4 && a[1] == "checkpoint":
		t := openCheckpoint(string(read(a[2])), read(a[3]))
		fmt.Printf("ok checkpoint %d %s\n", t.N, base64.StdEncoding.EncodeToString(t.Hash[:]))
	case len(a) == 6 && a[1] == "inclusion":
		inclusion(string(read(a[2])), a[3], a[4], a[5])
	case len(a) == 6 && a[1] == "consistency":
		consistency(string(read(a[2])), a[3], a[4], a[5])
	case len(a) == 3 && a[1] == "export":
		export(a[2])
	default:
		fail("%v", errors.New("usage: see the comment at the top of main.go"))
	}
}
