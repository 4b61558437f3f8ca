// Writes differential cases as NDJSON on stdout, one per line:
//   node gen.mjs render <seed> <count>  → {doc, md, mdTight}
//   node gen.mjs parse <seed> <count>   → {md, doc}
//   node gen.mjs y <seed> <count>       → {doc, tree, json}
//   node gen.mjs ystate <seed> <count>  → {a: {doc, update}, b: {doc, update}}
// Every case is a function of (seed, index) only.
import { Node } from 'prosemirror-model'
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { Rng, randomDoc, renderSchema, ySchema, serializer, parser, canon } from './lib.mjs'

const [mode, seed, countStr] = process.argv.slice(2)
const count = Number(countStr || 100)
const out = []
const flush = () => { if (out.length) { process.stdout.write(out.join('')); out.length = 0 } }

// Markdown snippets in the shared subset (no HTML, no images, no reference
// definitions): syntax the renderer never writes but readers do.
const snippets = [
  '- a\n- b', '+ a\n+ b\n\n+ c', '1) x\n2) y', '3. three\n4. four', '__b__ and _i_', '***both***', '*a **b** c*',
  '`c`', '``a`b``', '` `` `', '[l](http://u "t")', '[l](</a b>)', '<http://auto.link/x>', '<a@b.co>', '# h', '###### six', '####### seven',
  'h1\n===', 'h2\n---', '    indented code\n    more', '~~~js\nx\n~~~', '```\nunclosed', '> q\n> q2', '> lazy\ncontinued', '***', '___', '- - -',
  'a  \nb', 'a\\\nb', '\\*not\\*', '&amp; &copy; &#35; &#x41;', 'soft\nbreak', '~~strike~~', '~~a *b* c~~', 'a~~b~~c', '1. a\n\n   para\n2. b',
  '- a\n\n  - nested\n- b', '10. ten\n11. eleven', 'line\\\n', '**bold\\\nbreak**', '*[link](/x)*', '`code` **`bold code`**',
  'text_with_under_scores', '\\# not heading', '2\\. not list', 'a \\[b\\]', 'tab\there', '  leading spaces', '> - quoted list\n> - b',
  '- a\n-\n- c', 'x\n\n\n\ny'
]

for (let i = 0; i < count; i++) {
  const r = new Rng(`${seed}/${mode}/${i}`)
  if (mode === 'render') {
    const doc = randomDoc(r)
    const node = Node.fromJSON(renderSchema, doc)
    out.push(JSON.stringify({ doc, md: serializer.serialize(node), mdTight: serializer.serialize(node, { tightLists: true }) }) + '\n')
  } else if (mode === 'parse') {
    let md
    if (r.bool(0.5)) {
      // a rendered random document without verbatim blocks, sometimes with
      // snippets spliced in between its blocks
      const doc = randomDoc(r, { parse: true })
      const strip = (n) => {
        if (!n.content) return n
        n.content = n.content.filter(b => b.type !== 'markdownBlock').map(strip)
        if (!n.content.length && n.type !== 'paragraph' && n.type !== 'heading' && n.type !== 'codeBlock') n.content.push({ type: 'paragraph' })
        return n
      }
      strip(doc)
      md = serializer.serialize(Node.fromJSON(renderSchema, doc), { tightLists: r.bool() })
    } else {
      const parts = []
      const n = r.range(1, 5)
      for (let j = 0; j < n; j++) parts.push(r.pick(snippets))
      md = parts.join(r.pick(['\n\n', '\n']))
    }
    if (/<[A-Za-z!?/]|!\[|^ {0,3}\[[^\]]*\]:/m.test(md.replace(/<(https?|ftp|mailto):[^>\s]*>|<[^>\s@]+@[^>\s]+>/g, ''))) continue
    out.push(JSON.stringify({ md, doc: canon(parser.parse(md).toJSON()) }) + '\n')
  } else if (mode === 'y') {
    const doc = Node.fromJSON(ySchema, randomDoc(r)).toJSON()
    const ydoc = new Y.Doc()
    const frag = ydoc.getXmlFragment('prosemirror')
    prosemirrorJSONToYXmlFragment(ySchema, doc, frag)
    const dump = (t) => t instanceof Y.XmlText
      ? { delta: t.toDelta() }
      : { nodeName: t.nodeName, attrs: t.getAttributes(), children: t.toArray().map(dump) }
    const tree = frag.toArray().map(dump)
    const json = yXmlFragmentToProsemirrorJSON(frag)
    out.push(JSON.stringify({ doc, tree, json: Node.fromJSON(ySchema, json).toJSON() }) + '\n')
  } else if (mode === 'ystate') {
    // two random documents as y-prosemirror writes them, each as the
    // update encodeStateAsUpdate gives (base64), with their JSON
    const one = () => {
      const doc = Node.fromJSON(ySchema, randomDoc(r)).toJSON()
      const ydoc = new Y.Doc()
      prosemirrorJSONToYXmlFragment(ySchema, doc, ydoc.getXmlFragment('prosemirror'))
      return { doc, update: Buffer.from(Y.encodeStateAsUpdate(ydoc)).toString('base64') }
    }
    const a = one()
    const b = one()
    out.push(JSON.stringify({ a, b }) + '\n')
  } else {
    throw new Error('mode: render | parse | y | ystate')
  }
  if (out.length >= 200) flush()
}
flush()
