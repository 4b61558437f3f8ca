// What a TipTap client whose schema lacks markdownBlock does with one:
// y-prosemirror builds the editor's document from the fragment
// (createNodeFromYElement, also used by yXmlFragmentToProseMirrorRootNode),
// fails to create the unknown node, and deletes its element from the
// shared document. Prints the fragment's children before and after.
import * as Y from 'yjs'
import { Schema } from 'prosemirror-model'
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'

const ydoc = new Y.Doc()
const frag = ydoc.getXmlFragment('default')
const p = new Y.XmlElement('paragraph')
p.insert(0, [new Y.XmlText('kept')])
const raw = new Y.XmlElement('markdownBlock')
raw.setAttribute('source', '| a |\n| - |')
frag.insert(0, [p, raw])
const before = frag.toArray().map(n => n.nodeName)
const schema = new Schema({ nodes: { doc: { content: 'block+' }, paragraph: { content: 'text*', group: 'block' }, text: {} } })
const root = yXmlFragmentToProseMirrorRootNode(frag, schema)
const after = frag.toArray().map(n => n.nodeName)
process.stdout.write(JSON.stringify({ before, after, editor: root.toJSON() }) + '\n')
