// Reference side of the Go ProseMirror package's differential tests:
// TipTap-named schemas, prosemirror-markdown's default serializer and
// parser mapped onto them, y-prosemirror's conversions, a seeded PRNG and
// a random TipTap document generator.
import { Schema, Node } from 'prosemirror-model'
import { MarkdownSerializer, MarkdownParser, defaultMarkdownSerializer, defaultMarkdownParser } from 'prosemirror-markdown'
import MarkdownIt from 'markdown-it'

// ---------------------------------------------------------------- PRNG

// xmur3 string hash -> sfc32, as the codec's harness (deterministic across
// Node versions, which Math.random is not).
function xmur3 (str) {
  let h = 1779033703 ^ str.length
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507)
    h = Math.imul(h ^ (h >>> 13), 3266489909)
    return (h ^= h >>> 16) >>> 0
  }
}

export class Rng {
  constructor (seedStr) {
    const s = xmur3(String(seedStr))
    this.a = s(); this.b = s(); this.c = s(); this.d = s()
    for (let i = 0; i < 15; i++) this.u32()
  }

  u32 () {
    let { a, b, c, d } = this
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    this.a = a; this.b = b; this.c = c; this.d = d
    return t >>> 0
  }

  float () { return this.u32() / 4294967296 }
  int (n) { return n <= 0 ? 0 : Math.floor(this.float() * n) }
  range (lo, hi) { return lo + this.int(hi - lo + 1) }
  bool (p = 0.5) { return this.float() < p }
  pick (arr) { return arr[this.int(arr.length)] }
}

// ---------------------------------------------------------------- schema

// TipTap's StarterKit node and mark set under TipTap's names, plus the
// verbatim markdownBlock. Marks in prosemirror-markdown's order (em,
// strong, link, code) with strike before link. tightDefault is the lists'
// tight default: undefined for rendering (the serializer then uses its
// tightLists option, as for TipTap's lists, which have no such attribute),
// null for y-prosemirror (null attributes are not written to Y.js).
export function makeSchema (tightDefault) {
  return new Schema({
    nodes: {
      doc: { content: 'block+' },
      paragraph: { content: 'inline*', group: 'block' },
      heading: { attrs: { level: { default: 1 } }, content: 'inline*', group: 'block', defining: true },
      blockquote: { content: 'block+', group: 'block' },
      codeBlock: { attrs: { language: { default: null } }, content: 'text*', marks: '', group: 'block', code: true },
      horizontalRule: { group: 'block' },
      bulletList: { attrs: { tight: { default: tightDefault } }, content: 'listItem+', group: 'block' },
      orderedList: { attrs: { start: { default: 1 }, tight: { default: tightDefault } }, content: 'listItem+', group: 'block' },
      listItem: { content: 'paragraph block*', defining: true },
      markdownBlock: { attrs: { source: { default: '' } }, group: 'block', atom: true },
      text: { group: 'inline' },
      hardBreak: { inline: true, group: 'inline', selectable: false }
    },
    marks: {
      italic: {},
      bold: {},
      strike: {},
      link: { attrs: { href: {}, title: { default: null } }, inclusive: false },
      code: { code: true }
    }
  })
}

export const renderSchema = makeSchema(undefined)
export const ySchema = makeSchema(null)

// A node seen through other attribute names, so prosemirror-markdown's own
// node functions serialize TipTap's nodes unchanged.
const withAttrs = (node, attrs) => Object.create(node, { attrs: { value: attrs } })

const d = defaultMarkdownSerializer.nodes
const m = defaultMarkdownSerializer.marks
export const serializer = new MarkdownSerializer({
  blockquote: d.blockquote,
  paragraph: d.paragraph,
  heading: d.heading,
  horizontalRule: d.horizontal_rule,
  bulletList: d.bullet_list,
  orderedList: (state, node) => d.ordered_list(state, withAttrs(node, { order: node.attrs.start, tight: node.attrs.tight })),
  listItem: d.list_item,
  codeBlock: (state, node) => d.code_block(state, withAttrs(node, { params: node.attrs.language })),
  hardBreak: d.hard_break,
  text: d.text,
  markdownBlock (state, node) {
    state.text(node.attrs.source, false)
    state.closeBlock(node)
  }
}, {
  italic: m.em,
  bold: m.strong,
  strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
  link: m.link,
  code: m.code
}, { hardBreakNodeName: 'hardBreak' })

// defaultMarkdownParser's token table under TipTap's names, on markdown-it
// "commonmark" (html off, as defaultMarkdownParser) with GFM strikethrough.
const t = defaultMarkdownParser.tokens
export const parser = new MarkdownParser(renderSchema,
  MarkdownIt('commonmark', { html: false }).enable('strikethrough'), {
    blockquote: t.blockquote,
    paragraph: t.paragraph,
    list_item: { block: 'listItem' },
    bullet_list: { block: 'bulletList', getAttrs: (tok, tokens, i) => ({ tight: t.bullet_list.getAttrs(tok, tokens, i).tight }) },
    ordered_list: { block: 'orderedList', getAttrs: (tok, tokens, i) => { const a = t.ordered_list.getAttrs(tok, tokens, i); return { start: a.order, tight: a.tight } } },
    heading: t.heading,
    code_block: { block: 'codeBlock', noCloseToken: true },
    fence: { block: 'codeBlock', getAttrs: tok => ({ language: tok.info || null }), noCloseToken: true },
    hr: { node: 'horizontalRule' },
    hardbreak: { node: 'hardBreak' },
    em: { mark: 'italic' },
    strong: { mark: 'bold' },
    s: { mark: 'strike' },
    link: t.link,
    code_inline: { mark: 'code', noCloseToken: true }
  })

// canon drops null attributes and empty attrs/marks, so two JSON forms of
// one document compare equal whatever defaults each side spells out.
export function canon (n) {
  if (Array.isArray(n)) return n.map(canon)
  const out = { type: n.type }
  if (n.attrs) {
    const a = {}
    for (const [k, v] of Object.entries(n.attrs)) if (v !== null && v !== undefined) a[k] = v
    if (Object.keys(a).length) out.attrs = a
  }
  if (n.content && n.content.length) out.content = n.content.map(canon)
  if (n.marks && n.marks.length) out.marks = n.marks.map(canon)
  if (n.type === 'text') out.text = n.text
  return out
}

// ---------------------------------------------------------------- random documents

const plainChars = 'abcdefghij klmnopqrs tuvwxyz ABC XYZ 0123456789 éüß'.split('')
const trickyChars = [
  '*', '_', '~', '`', '[', ']', '\\', '#', '-', '+', '>', '!', '.', ')', '(', '<', '&', '|', '"', "'", ':', '/',
  '1.', '12.', '- ', '+ ', '# ', '### ', '```', '~~', '**', '__', '![', '&amp;', 'a_b', 'http://x.y',
  '\u00a0', '\u3000', '\ufeff', '\u0085', '\u2003', '\t', '😀', '中文', ' ', '  '
]

// In parse mode the text leaves out U+0085, which goldmark counts as white
// space when it decides emphasis flanking (CommonMark and markdown-it do
// not), and U+FEFF, which markdown-it trims from a paragraph's start
// (String.prototype.trim) before it decides flanking.
let parseMode = false

function randText (r, max = 12) {
  let s = ''
  const n = r.range(1, max)
  for (let i = 0; i < n; i++) s += r.bool(0.3) ? r.pick(trickyChars) : r.pick(plainChars)
  // (parse mode: no text of white space only, which the serializer turns
  // into delimiter runs like "****", a thematic break)
  // It also keeps underscores intraword only ("a_b"): the serializer
  // leaves "_" between word characters unescaped, and next to an escaped
  // one ("7_\\_***") the two parsers pair emphasis delimiters differently.
  // Tables are GFM (recognised here, text to markdown-it's "commonmark"),
  // so no "|"; no tabs, whose column arithmetic after a list marker the
  // parsers round differently; no "<", which can make an autolink inside
  // link text (goldmark nests it, markdown-it does not).
  // No backslashes either: goldmark misreads an escaped backslash before a
  // backslash hard break (such blocks are kept verbatim here).
  if (parseMode) s = s.replaceAll('|', '').replaceAll('<', '').replaceAll('\\', '').replaceAll('\t', ' ').replaceAll('\u0085', '').replaceAll('\ufeff', '').replaceAll('a_b', 'a\u0000b').replaceAll('_', '').replaceAll('\u0000', '_')
  return /\S/.test(s) ? s : 'x'
}

const hrefs = ['http://example.com', 'https://a.b/c_d?e=f', '/rel/path', 'mailto:a@b.c', 'x(y)', 'q"r', 'a b', 'ftp://h', '#frag', 'http://x.y']
const titles = [null, null, null, 'T', 'say "hi"', "it's", '']

function randMarks (r) {
  const marks = []
  if (r.bool(0.25)) marks.push({ type: 'italic' })
  if (r.bool(0.25)) marks.push({ type: 'bold' })
  if (r.bool(0.15)) marks.push({ type: 'strike' })
  if (r.bool(0.15)) marks.push({ type: 'link', attrs: { href: r.pick(hrefs), title: r.pick(titles) } })
  if (r.bool(0.15)) marks.push({ type: 'code' })
  return marks
}

function randInline (r) {
  const out = randInlineRaw(r)
  // (parse mode: no white space at the start of a block, which the
  // serializer does not escape, so "1.  >x" would start a block quote)
  if (parseMode && out.length && out[0].type === 'text') out[0].text = out[0].text.replace(/^\s+/, '') || 'x'
  // (nor a paragraph that is only "12." or "5)": the serializer leaves it
  // unescaped, an empty ordered list item, and with a blank line after it
  // goldmark and markdown-it end the lists around it differently)
  if (parseMode && out.length && out.every(n => n.type === 'text') && /\d[.)]\s*$/.test(out.map(n => n.text).join(''))) out[out.length - 1].text += 'z'
  // (and no block or line after a hard break starting with what the
  // serializer leaves unescaped but reads as a list item: "8) ", "+", "- "
  // after a break; goldmark and markdown-it end such lists differently)
  if (parseMode) {
    for (let i = 0; i < out.length; i++) {
      if (out[i].type !== 'text' || (i > 0 && out[i - 1].type !== 'hardBreak')) continue
      let line = ''
      for (let j = i; j < out.length && out[j].type === 'text'; j++) line += out[j].text
      if (/^(\d+[.)]|[-+*])/.test(line)) out[i].text = 'x' + out[i].text
    }
  }
  return out
}

function randInlineRaw (r) {
  const out = []
  const n = r.range(0, 7)
  let sticky = null
  for (let i = 0; i < n; i++) {
    if (r.bool(0.12)) {
      const hb = { type: 'hardBreak' }
      // (parse mode: unmarked, else "~~\\\n~~" runs appear)
      const mk = parseMode ? [] : r.bool(0.5) && sticky ? sticky : randMarks(r)
      if (mk.length) hb.marks = mk
      out.push(hb)
      continue
    }
    let marks = r.bool(0.4) && sticky ? sticky : randMarks(r)
    sticky = marks
    let text = randText(r)
    const link = marks.find(mk => mk.type === 'link')
    if (link && r.bool(0.3)) { text = link.attrs.href; marks = marks.filter(mk => mk.type !== 'code') }
    const node = { type: 'text', text }
    if (marks.length) node.marks = marks
    // Parse mode keeps marked runs apart with plain words, so no delimiter
    // runs like "***" form where goldmark's and markdown-it's emphasis
    // algorithms part ways (see the package README).
    if (parseMode && marks.length && out.length) out.push({ type: 'text', text: ' w ' })
    out.push(node)
    if (parseMode && marks.length) out.push({ type: 'text', text: ' w ' })
  }
  return out
}

const codeLines = ['x = 1', '```', '````js', '  indented', '', '~~~', 'a\tb', '\\*not\\*', '# not a heading']
const verbatim = ['| a | b |\n| --- | --- |\n| 1 | 2 |', '<div>\n*x*\n</div>', '![alt](img.png "t")', '[^1]: a footnote', '<!-- c -->', '[ref]: /url']

function randBlock (r, depth) {
  const kinds = depth > 2 ? ['p', 'p', 'p', 'h', 'code', 'hr'] : ['p', 'p', 'p', 'p', 'h', 'code', 'hr', 'quote', 'bullet', 'ordered', 'ordered', 'raw']
  const k = r.pick(kinds)
  const inline = () => { const c = randInline(r); return c.length ? { content: c } : {} }
  switch (k) {
    case 'p': return { type: 'paragraph', ...inline() }
    case 'h': {
      // (parse mode: no hard break in a heading, which the serializer
      // writes as "\\" and a new line, ending the ATX heading)
      const h = { type: 'heading', attrs: { level: r.range(1, 6) }, ...inline() }
      if (parseMode && h.content) {
        h.content = h.content.filter(n => n.type !== 'hardBreak')
        if (!h.content.length) delete h.content
      }
      return h
    }
    case 'hr': return { type: 'horizontalRule' }
    case 'raw': return { type: 'markdownBlock', attrs: { source: r.pick(verbatim) } }
    case 'code': {
      const lines = []
      const n = r.range(0, 4)
      // (parse mode: no code line of white space only inside a list item,
      // where goldmark drops the spaces past the item's indentation)
      for (let i = 0; i < n; i++) lines.push(r.bool(0.5) ? r.pick(codeLines) : randText(r))
      if (parseMode) for (let i = 0; i < lines.length; i++) if (!/\S/.test(lines[i])) lines[i] = ''
      const text = lines.join('\n') + (r.bool(0.1) ? '\n' : '')
      const node = { type: 'codeBlock', attrs: { language: r.pick([null, 'js', 'go', 'a b', '']) } }
      if (text) node.content = [{ type: 'text', text }]
      return node
    }
    case 'quote': return { type: 'blockquote', content: randBlocks(r, depth + 1, 1, 3) }
    case 'bullet':
    case 'ordered': {
      const items = []
      const n = r.range(1, 4)
      for (let i = 0; i < n; i++) {
        // (parse mode: no empty first paragraph, whose list goldmark and
        // markdown-it read differently when a blank line follows)
        const first = inline()
        if (parseMode && (!first.content || first.content[0].type !== 'text')) first.content = [{ type: 'text', text: 'item' }, ...(first.content || [])]
        items.push({ type: 'listItem', content: [{ type: 'paragraph', ...first }, ...(r.bool(0.3) ? randBlocks(r, depth + 1, 1, 2) : [])] })
      }
      const attrs = {}
      if (r.bool(0.6)) attrs.tight = r.bool()
      // markdown-it's parser turns start 0 into 1 ("+start || 1"); the Go
      // parser keeps 0, so parse mode leaves it out
      // (and nested ordered lists start at 1: one that does not cannot
      // interrupt a paragraph, so "1. a\n   2. b" reads back as one
      // paragraph, and goldmark and markdown-it part ways around it)
      if (k === 'ordered') attrs.start = parseMode ? (depth > 0 ? 1 : r.pick([1, 1, 2, 9, 10, 99, 100])) : r.pick([1, 1, 2, 9, 10, 99, 100, 0])
      return { type: k === 'bullet' ? 'bulletList' : 'orderedList', attrs, content: items }
    }
  }
}

function randBlocks (r, depth, lo, hi) {
  const out = []
  const n = r.range(lo, hi)
  for (let i = 0; i < n; i++) out.push(randBlock(r, depth))
  return out
}

export function randomDoc (r, opts = {}) {
  parseMode = !!opts.parse
  try {
    return { type: 'doc', content: randBlocks(r, 0, 1, 6) }
  } finally {
    parseMode = false
  }
}

export function render (schema, json, opts = {}) {
  return serializer.serialize(Node.fromJSON(schema, json), opts)
}
