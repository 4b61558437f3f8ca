package yjs

// ID names one clock unit: the client that created it and its position in
// that client's sequence.
type ID struct {
	Client uint64
	Clock  uint64
}

// Kind tells the three struct kinds of an update apart.
type Kind uint8

const (
	// KindGC is a garbage-collected range: only its length is known.
	KindGC Kind = iota
	// KindSkip is a hole: nothing is known about its clock range.
	KindSkip
	// KindItem is a real item with origins, parent and content.
	KindItem
)

// Struct refs as written in the low five bits of the info byte.
const (
	refGC   = 0
	refSkip = 10
)

// ContentRef identifies the content type of an Item.
type ContentRef uint8

// Content refs, numbered as in the Yjs wire format.
const (
	RefDeleted ContentRef = 1
	RefJSON    ContentRef = 2
	RefBinary  ContentRef = 3
	RefString  ContentRef = 4
	RefEmbed   ContentRef = 5
	RefFormat  ContentRef = 6
	RefType    ContentRef = 7
	RefAny     ContentRef = 8
	RefDoc     ContentRef = 9
)

// Type refs of ContentType, naming the shared type an Item creates.
const (
	TypeArray       = 0
	TypeMap         = 1
	TypeText        = 2
	TypeXMLElement  = 3
	TypeXMLFragment = 4
	TypeXMLHook     = 5
	TypeXMLText     = 6
)

// ParentKind says how an Item names its parent when it has no origins.
type ParentKind uint8

const (
	// ParentNone: the parent is inherited from the origins at integration.
	ParentNone ParentKind = iota
	// ParentRoot: the parent is the root type named by ParentName.
	ParentRoot
	// ParentItem: the parent is the type created by the Item ParentID.
	ParentItem
)

// Struct is one decoded struct of an update. Byte slices point into the
// decoded update (or into a private buffer when a value had to be
// rewritten); treat them as read-only.
type Struct struct {
	Kind   Kind
	ID     ID
	Length uint64 // in clock units

	// The fields below are set for KindItem only.
	HasOrigin      bool
	HasRightOrigin bool
	Origin         ID
	RightOrigin    ID
	Parent         ParentKind
	ParentName     []byte // root type name, for ParentRoot
	ParentID       ID     // for ParentItem
	// ParentSub is the map key of the item; HasParentSub tells an empty
	// key from none. It is only decoded when the item has no origins.
	HasParentSub bool
	ParentSub    []byte
	Content      Content
}

// End is the clock just after the struct.
func (s *Struct) End() uint64 { return s.ID.Clock + s.Length }

// Content is the payload of an Item, kept in the exact bytes Yjs would
// write for it so that copying it costs no re-encoding.
type Content struct {
	Ref ContentRef
	// TypeRef is the shared type of RefType content.
	TypeRef uint8
	// Key is the format key (RefFormat), XML node or hook name (RefType) or
	// sub-document guid (RefDoc).
	Key []byte
	// Data depends on Ref:
	//   RefJSON:   the elements, each a varString of canonical JSON text
	//   RefAny:    the elements, each a canonical lib0 Any value
	//   RefString: the UTF-8 text
	//   RefBinary: the bytes
	//   RefEmbed, RefFormat: canonical JSON text of the value
	//   RefDoc:    the options as a canonical lib0 Any object
	//   RefDeleted, RefType: empty
	Data []byte
}
