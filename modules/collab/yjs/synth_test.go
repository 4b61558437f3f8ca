package yjs

import "math/rand/v2"

// synthKeystrokes builds n single-edit V1 updates shaped like two authors
// typing into one text: every fifth edit deletes a random earlier character
// (an update with only a delete set), the others insert one character after
// the previously typed one. Authors alternate every 40 edits.
func synthKeystrokes(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	clients := [2]uint64{3_123_456_789, 1_987_654_321}
	var clocks [2]uint64
	var last ID
	haveLast := false
	updates := make([][]byte, 0, n)
	const letters = "abcdefghijklmnopqrstuvwxyz ,.é😀"
	for i := 0; i < n; i++ {
		who := (i / 40) % 2
		c := clients[who]
		if i%5 == 4 && clocks[0]+clocks[1] > 0 {
			victim := rng.IntN(2)
			if clocks[victim] == 0 {
				victim = 1 - victim
			}
			clock := rng.Uint64N(clocks[victim])
			u := Update{DeleteSet: DeleteSet{Clients: []ClientDeletes{{
				Client: clients[victim], Ranges: []DeleteRange{{Clock: clock, Len: 1}},
			}}}}
			updates = append(updates, u.Encode())
			continue
		}
		r := []rune(letters)[rng.IntN(len([]rune(letters)))]
		text := []byte(string(r))
		s := Struct{
			Kind:    KindItem,
			ID:      ID{c, clocks[who]},
			Length:  utf16Len(text),
			Content: Content{Ref: RefString, Data: text},
		}
		if haveLast {
			s.HasOrigin, s.Origin = true, last
		} else {
			s.Parent, s.ParentName = ParentRoot, []byte("default")
		}
		clocks[who] += s.Length
		last = ID{c, clocks[who] - 1}
		haveLast = true
		u := Update{Structs: []Struct{s}}
		updates = append(updates, u.Encode())
	}
	return updates
}
