package ydoc_test

import (
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

// A document written through the XML write API, sent as an update to a
// second document and read back the way the ProseMirror layer reads it.
func Example() {
	author := ydoc.New(1)
	frag := author.XmlFragment("default")
	update, err := author.Transact(func(tx *ydoc.Tx) error {
		h := tx.InsertElement(frag, 0, "heading")
		tx.SetAttribute(h, "level", 2)
		tx.TextInsert(tx.InsertText(h, 0), 0, "Chapter One", nil)
		p := tx.InsertElement(frag, 1, "paragraph")
		t := tx.InsertText(p, 0)
		tx.TextInsert(t, 0, "It was a dark night.", nil)
		tx.TextFormat(t, 9, 4, map[string]any{"bold": map[string]any{}})
		return nil
	})
	if err != nil {
		panic(err)
	}

	server := ydoc.New(2)
	if err := server.ApplyUpdate(update); err != nil {
		panic(err)
	}
	for _, n := range server.XmlFragment("default").Children() {
		el := n.(*ydoc.XmlElement)
		fmt.Println(el.NodeName(), el.Attributes())
		for _, c := range el.Children() {
			for _, d := range c.(*ydoc.XmlText).Delta() {
				fmt.Printf("  %q %v\n", d.Insert, d.Attributes)
			}
		}
	}
	fmt.Println(server.XmlFragment("default").String())
	// Output:
	// heading map[level:2]
	//   "Chapter One" map[]
	// paragraph map[]
	//   "It was a " map[]
	//   "dark" map[bold:map[]]
	//   " night." map[]
	// <heading level="2">Chapter One</heading><paragraph>It was a <bold>dark</bold> night.</paragraph>
}
