package ydoc_test

import (
	"fmt"

	"github.com/thebrain/thebrain/modules/collab/ydoc"
)

func num(v any) int { f, _ := v.(float64); return int(f) }

func attrsOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// resolve follows a path of child indexes from the fragment.
func resolve(d *ydoc.Doc, path []any) (any, error) {
	var cur any = d.XmlFragment("xml")
	for _, p := range path {
		var kids []ydoc.XmlNode
		switch c := cur.(type) {
		case *ydoc.XmlFragment:
			kids = c.Children()
		case *ydoc.XmlElement:
			kids = c.Children()
		default:
			return nil, fmt.Errorf("path through %T", cur)
		}
		i := num(p)
		if i >= len(kids) {
			return nil, fmt.Errorf("path index %d of %d", i, len(kids))
		}
		cur = kids[i]
	}
	return cur, nil
}

// replay performs one edit recorded by gen.mjs through the write API.
func replay(tx *ydoc.Tx, d *ydoc.Doc, op map[string]any) error {
	path, _ := op["path"].([]any)
	var target any
	if path != nil {
		var err error
		if target, err = resolve(d, path); err != nil {
			return err
		}
	}
	parent, _ := target.(ydoc.XmlParent)
	switch op["op"] {
	case "batch":
		ops, _ := op["ops"].([]any)
		for _, o := range ops {
			if err := replay(tx, d, o.(map[string]any)); err != nil {
				return err
			}
		}
	case "insertElement":
		tx.InsertElement(parent, num(op["index"]), op["name"].(string))
	case "insertText":
		tx.InsertText(parent, num(op["index"]))
	case "delete":
		tx.Delete(parent, num(op["index"]), num(op["length"]))
	case "setAttribute":
		tx.SetAttribute(target.(*ydoc.XmlElement), op["key"].(string), op["value"])
	case "removeAttribute":
		tx.RemoveAttribute(target.(*ydoc.XmlElement), op["key"].(string))
	case "textInsert":
		tx.TextInsert(target.(*ydoc.XmlText), num(op["pos"]), op["s"].(string), attrsOf(op["attrs"]))
	case "textEmbed":
		tx.TextInsertEmbed(target.(*ydoc.XmlText), num(op["pos"]), op["embed"], attrsOf(op["attrs"]))
	case "textDelete":
		tx.TextDelete(target.(*ydoc.XmlText), num(op["pos"]), num(op["length"]))
	case "textFormat":
		tx.TextFormat(target.(*ydoc.XmlText), num(op["pos"]), num(op["length"]), attrsOf(op["attrs"]))
	case "ytextInsert":
		return tx.Insert(d.Text("text"), num(op["pos"]), op["s"].(string), attrsOf(op["attrs"]))
	case "ytextDelete":
		return tx.DeleteText(d.Text("text"), num(op["pos"]), num(op["length"]))
	case "ytextFormat":
		return tx.Format(d.Text("text"), num(op["pos"]), num(op["length"]), attrsOf(op["attrs"]))
	case "mapSet":
		return tx.MapSet(d.Map("map"), op["key"].(string), op["value"])
	case "mapDelete":
		tx.MapDelete(d.Map("map"), op["key"].(string))
	case "arrayInsert":
		vals, _ := op["values"].([]any)
		return tx.ArrayInsert(d.Array("array"), num(op["index"]), vals)
	case "arrayDelete":
		return tx.ArrayDelete(d.Array("array"), num(op["index"]), num(op["length"]))
	default:
		return fmt.Errorf("unknown op %v", op["op"])
	}
	return tx.Err()
}
