package yprotocol_test

import (
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/yprotocol"
)

func ExampleDecode() {
	// A client greeting: sync step 1 with an empty state vector.
	m, err := yprotocol.Decode([]byte{0, 0, 1, 0})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Type == yprotocol.MessageSync, m.Sync == yprotocol.SyncStep1, m.Payload)
	// The answer carries the document as an update.
	fmt.Printf("%x\n", yprotocol.EncodeSyncStep2([]byte{0, 0}))
	// Output:
	// true true [0]
	// 0001020000
}

func ExampleDecodeAwareness() {
	update := yprotocol.EncodeAwarenessUpdate([]yprotocol.AwarenessEntry{
		{ClientID: 42, Clock: 3, State: []byte(`{"user":{"name":"Ann"}}`)},
		{ClientID: 43, Clock: 9, State: []byte(`null`)},
	})
	entries, err := yprotocol.DecodeAwareness(update)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		fmt.Println(e.ClientID, e.Clock, e.Removed(), string(e.State))
	}
	// Output:
	// 42 3 false {"user":{"name":"Ann"}}
	// 43 9 true null
}
