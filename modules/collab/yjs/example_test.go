package yjs_test

import (
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/yjs"
)

// Two single-character updates typed by client 7 into the root text "t".
var (
	typedA = []byte{1, 1, 7, 0, 4, 1, 1, 't', 1, 'a', 0}
	typedB = []byte{1, 1, 7, 1, 0x84, 7, 0, 1, 'b', 0}
)

func ExampleMergeUpdates() {
	doc, err := yjs.MergeUpdates([][]byte{typedB, typedA})
	if err != nil {
		panic(err)
	}
	sv, _ := yjs.EncodeStateVectorFromUpdate(doc)
	clocks, _ := yjs.DecodeStateVector(sv)
	fmt.Printf("%x\n%v\n", doc, clocks)
	// Output:
	// 01020700040101740161840700016200
	// map[7:2]
}

func ExampleDiffUpdate() {
	doc, _ := yjs.MergeUpdates([][]byte{typedA, typedB})
	// A peer that already has the first character.
	peer := yjs.EncodeStateVector(map[uint64]uint64{7: 1})
	missing, _ := yjs.DiffUpdate(doc, peer)
	fmt.Printf("%x\n", missing)
	// Output:
	// 01010701840700016200
}
