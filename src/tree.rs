//! The surface as the judge holds it: one arena per environment.
//!
//! A `serde_json::Value` object is a B-tree whose every node is a leaf of eleven slots
//! (about 600 bytes, even for `{"status": "on"}`), and every string is an allocation of
//! its own. A surface read from a snapshot is judged in a [`Tree`] instead:
//!
//! - nodes are 12 bytes in one vector, the children of an object or array side by side;
//! - strings and keys are ranges of one buffer that holds their decoded text and
//!   nothing else (no indentation, quotes or escapes), never an allocation each;
//! - the text is read a chunk at a time ([`read`]), so it is never held whole;
//! - an object's children are sorted by key (as serde_json's map keeps them), so lookups
//!   are a binary search and the comparison a merge join.
//!
//! Reading goes through [`Node`], which `&Value` implements too, so that the readers (the
//! comparison, the marker check, path gathering) are written once for both. Writing is
//! by node index: a replaced node's old children stay in the arena, unreachable.

mod read;

use serde_json::{Map, Number, Value};
use std::ops::Range;

/// The largest buffer a string range can point into.
const MAX_BYTES: usize = i32::MAX as usize;

/// What follows every string in the buffer: a quote, which no host a search looks for
/// holds ([`Tree::strings`]), so that no occurrence runs from one string into the next.
const SEPARATOR: u8 = b'"';

/// A string: a range of the tree's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Str {
    at: u32,
    len: u32,
}

const NO_KEY: Str = Str { at: 0, len: 0 };

/// The children of an object or array: `len` nodes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> Range<u32> {
        self.start..self.start + self.len
    }
}

/// One node, of 12 bytes. Numbers keep serde_json's three kinds, so that equality and
/// printing are those of `Value`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Null,
    Bool(bool),
    Pos(Bits),
    Neg(Bits),
    /// Compared as `f64`s by [`Ref::same`], not by their bits (`0.0 == -0.0`).
    Float(Bits),
    Str(Str),
    Arr(Span),
    Obj(Span),
}

/// A number's 64 bits as two halves: a node aligns to 4 bytes, so it takes 12 rather
/// than 16 (a quarter of the nodes' memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bits([u32; 2]);

impl Bits {
    fn of(bits: u64) -> Bits {
        Bits([bits as u32, (bits >> 32) as u32])
    }

    fn get(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }
}

const _: () = assert!(std::mem::size_of::<Slot>() == 12);

/// A JSON document held as an arena (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The text of every string and key, each followed by [`SEPARATOR`].
    strings: String,
    nodes: Vec<Slot>,
    /// The key of each node in its object (empty for array items and the root).
    keys: Vec<Str>,
    root: u32,
    /// Whether a string the judge wrote found no room: the buffer is addressed up to
    /// 2 GiB, and rewriting every one of millions of short strings into a longer
    /// fingerprint or token can pass that. The string is then left empty, never the
    /// old text, and the caller refuses the tree ([`Tree::overflowed`]). The same when a
    /// block of nodes would pass the 2^32 a node index addresses.
    overflowed: bool,
}

/// Why a text is no tree. The caller parses it again with the error reporting of
/// [`crate::error::parse_json_value`], which names the line, column and duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON as serde_json reads it, or an object with a key repeated.
    Invalid,
    /// More strings or nodes than the arena can address (2 GiB, 2^32).
    TooLarge,
}

/// A text that is no tree, handed back with why.
#[derive(Debug)]
pub struct ParseFailure {
    pub error: ParseError,
    pub text: String,
}

impl Tree {
    /// Parses JSON text. A key repeated in one object is an error.
    pub fn parse(text: String) -> Result<Tree, ParseFailure> {
        match read::read(&mut text.as_bytes(), text.len() as u64, false) {
            Ok(tree) => Ok(tree),
            Err(error) => Err(ParseFailure { error, text }),
        }
    }

    /// Reads JSON text from `src` a chunk at a time, never holding it whole; `len` is
    /// what the text is expected to measure (for reserving), and `bom` drops a leading
    /// byte-order mark. A failure to read is [`ParseError::Invalid`]: the caller reads
    /// the file again whole, for the error that names what is wrong.
    pub fn read(src: &mut impl std::io::Read, len: u64, bom: bool) -> Result<Tree, ParseError> {
        read::read(src, len, bom)
    }

    /// The tree of a value (a surface collected live, or made in a test).
    pub fn from_value(v: &Value) -> Tree {
        let mut t = Tree::default();
        let slot = t.push_value(v);
        t.root = t.push_block(&mut vec![(slot, NO_KEY)]).start;
        t
    }

    pub fn root(&self) -> Ref<'_> {
        self.at(self.root)
    }

    pub fn root_index(&self) -> u32 {
        self.root
    }

    /// Makes the node at `at` the root (a part of the document, such as a snapshot's
    /// surface); the rest stays in the arena, unreachable.
    pub fn set_root(&mut self, at: u32) {
        self.root = at;
    }

    /// The node at an index (from [`Tree::children`] or [`Tree::root_index`]).
    pub fn at(&self, at: u32) -> Ref<'_> {
        Ref { tree: self, at }
    }

    /// The indices of an object's or array's children (empty for anything else).
    pub fn children(&self, at: u32) -> Range<u32> {
        match self.nodes[at as usize] {
            Slot::Obj(s) | Slot::Arr(s) => s.range(),
            _ => 0..0,
        }
    }

    /// The key of the node at `at` in its object.
    pub fn key(&self, at: u32) -> &str {
        self.str(self.keys[at as usize])
    }

    /// The text of the tree's strings and keys, each followed by a quote: one search
    /// over it finds what every string holds ([`crate::normalize::HostTokens::hits`]).
    pub fn strings(&self) -> &str {
        &self.strings
    }

    /// Where in [`Tree::strings`] the string at `at` lies (None for anything else).
    pub fn string_range(&self, at: u32) -> Option<Range<usize>> {
        match self.nodes[at as usize] {
            Slot::Str(s) => Some(s.range()),
            _ => None,
        }
    }

    /// Where in [`Tree::strings`] the key of the node at `at` lies.
    pub fn key_range(&self, at: u32) -> Range<usize> {
        self.keys[at as usize].range()
    }

    /// Replaces the node at `at` by a string.
    pub fn set_str(&mut self, at: u32, s: &str) {
        let s = self.own(s);
        self.nodes[at as usize] = Slot::Str(s);
    }

    /// Replaces the node at `at` by a value.
    pub fn set(&mut self, at: u32, v: &Value) {
        let slot = self.push_value(v);
        self.nodes[at as usize] = slot;
    }

    /// Renames the keys of the object at `obj` that `rename` gives a new name, keeping
    /// the children sorted. Should two keys become one, the later (in the old order)
    /// wins, as inserting them into a map one after the other would have it.
    pub fn rename_keys(&mut self, obj: u32, mut rename: impl FnMut(&str) -> Option<String>) {
        let Slot::Obj(span) = self.nodes[obj as usize] else {
            return;
        };
        let renamed: Vec<(u32, String)> = span
            .range()
            .filter_map(|i| rename(self.key(i)).map(|k| (i, k)))
            .collect();
        if renamed.is_empty() {
            return;
        }
        for (i, k) in renamed {
            self.keys[i as usize] = self.own(&k);
        }
        let mut block: Vec<(Slot, Str)> = span
            .range()
            .map(|i| (self.nodes[i as usize], self.keys[i as usize]))
            .collect();
        self.sort_block(&mut block, true);
        self.nodes[obj as usize] = Slot::Obj(self.push_block(&mut block));
    }

    /// Sets the value at a JSON pointer, making the objects on the way (as
    /// [`crate::surface::set_pointer`] does on a `Value`), unless the way passes an
    /// unknown marker.
    pub fn set_pointer(&mut self, pointer: &str, value: &Value) {
        let segs = crate::surface::split_pointer(pointer);
        let mut cur = self.root;
        for (i, seg) in segs.iter().enumerate() {
            if crate::surface::as_unknown(self.at(cur)).is_some() {
                return;
            }
            if !matches!(self.nodes[cur as usize], Slot::Obj(_)) {
                self.nodes[cur as usize] = Slot::Obj(Span { start: 0, len: 0 });
            }
            let last = i + 1 == segs.len();
            cur = match self.at(cur).get(seg) {
                Some(child) if !last => child.at,
                Some(child) => {
                    self.set(child.at, value);
                    return;
                }
                None => {
                    let slot = if last {
                        self.push_value(value)
                    } else {
                        Slot::Obj(Span { start: 0, len: 0 })
                    };
                    self.insert(cur, seg, slot)
                }
            };
            if last {
                return;
            }
        }
        self.set(cur, value);
    }

    /// Adds a key that `obj` does not have; returns the new child's index.
    fn insert(&mut self, obj: u32, key: &str, slot: Slot) -> u32 {
        let Slot::Obj(span) = self.nodes[obj as usize] else {
            unreachable!("insert is called on objects")
        };
        let key = self.own(key);
        let mut block: Vec<(Slot, Str)> = span
            .range()
            .map(|i| (self.nodes[i as usize], self.keys[i as usize]))
            .chain([(slot, key)])
            .collect();
        self.sort_block(&mut block, false);
        let at = block
            .iter()
            .position(|(_, k)| *k == key)
            .expect("the key just added") as u32;
        let span = self.push_block(&mut block);
        self.nodes[obj as usize] = Slot::Obj(span);
        span.start + at
    }

    fn str(&self, s: Str) -> &str {
        &self.strings[s.range()]
    }

    fn own(&mut self, s: &str) -> Str {
        push_string(&mut self.strings, s).unwrap_or_else(|| {
            self.overflowed = true;
            NO_KEY
        })
    }

    /// Whether a string or a block of nodes written into the tree found no room (see the
    /// field); such a tree must not be judged.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    fn push_value(&mut self, v: &Value) -> Slot {
        match v {
            Value::Null => Slot::Null,
            Value::Bool(b) => Slot::Bool(*b),
            Value::Number(n) => number_slot(n),
            Value::String(s) => Slot::Str(self.own(s)),
            Value::Array(items) => {
                let mut block: Vec<(Slot, Str)> =
                    items.iter().map(|v| (self.push_value(v), NO_KEY)).collect();
                Slot::Arr(self.push_block(&mut block))
            }
            Value::Object(m) => {
                let mut block: Vec<(Slot, Str)> = m
                    .iter()
                    .map(|(k, v)| {
                        let slot = self.push_value(v);
                        (slot, self.own(k))
                    })
                    .collect();
                Slot::Obj(self.push_block(&mut block))
            }
        }
    }

    /// Appends an object's or array's children. Past what a node index can address (a
    /// tree that took most of 2^32 nodes, then a rewrite that copied a large object), the
    /// children are dropped and the tree overflows, as a string that finds no room does.
    fn push_block(&mut self, block: &mut Vec<(Slot, Str)>) -> Span {
        if u32::try_from(self.nodes.len() + block.len()).is_err() {
            self.overflowed = true;
            block.clear();
            return Span { start: 0, len: 0 };
        }
        let start = self.nodes.len() as u32;
        let len = block.len() as u32;
        for (slot, key) in block.drain(..) {
            self.nodes.push(slot);
            self.keys.push(key);
        }
        Span { start, len }
    }

    /// Sorts an object's children by key; with `last_wins`, of equal keys only the last
    /// (in the block's order before sorting) stays.
    fn sort_block(&self, block: &mut Vec<(Slot, Str)>, last_wins: bool) {
        block.sort_by(|a, b| self.str(a.1).cmp(self.str(b.1)));
        if last_wins {
            // A stable sort keeps equal keys in their old order: keep the last of each.
            let mut out: Vec<(Slot, Str)> = Vec::with_capacity(block.len());
            for item in block.drain(..) {
                match out.last_mut() {
                    Some(prev) if self.str(prev.1) == self.str(item.1) => *prev = item,
                    _ => out.push(item),
                }
            }
            *block = out;
        }
    }
}

/// Appends `s` and a separator to a tree's buffer; None when the buffer would pass what a
/// range can point into.
fn push_string(buf: &mut String, s: &str) -> Option<Str> {
    let at = buf.len();
    if at + s.len() + 1 > MAX_BYTES {
        return None;
    }
    buf.push_str(s);
    buf.push(char::from(SEPARATOR));
    Some(Str {
        at: at as u32,
        len: s.len() as u32,
    })
}

impl Str {
    fn range(self) -> Range<usize> {
        self.at as usize..(self.at + self.len) as usize
    }
}

fn number_slot(n: &Number) -> Slot {
    if let Some(u) = n.as_u64() {
        Slot::Pos(Bits::of(u))
    } else if let Some(i) = n.as_i64() {
        Slot::Neg(Bits::of(i as u64))
    } else {
        Slot::Float(Bits::of(n.as_f64().unwrap_or(0.0).to_bits()))
    }
}

/// What a node is, without its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// Read access to a JSON node, by `&Value` or by a [`Tree`]'s [`Ref`]: what the readers
/// of a surface need, so each is written once.
pub trait Node<'a>: Copy {
    type Entries: Iterator<Item = (&'a str, Self)> + Send;
    type Items: ExactSizeIterator<Item = Self>;

    fn shape(self) -> Shape;
    fn as_str(self) -> Option<&'a str>;
    /// An object's members, in key order (none for anything else).
    fn entries(self) -> Self::Entries;
    /// An array's items (none for anything else).
    fn items(self) -> Self::Items;
    /// How many members or items.
    fn len(self) -> usize;
    fn get(self, key: &str) -> Option<Self>;
    fn to_value(self) -> Value;
    /// Equality as `Value`'s.
    fn same(self, other: Self) -> bool;

    fn is_object(self) -> bool {
        self.shape() == Shape::Object
    }

    fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A surface of either kind, read through its root.
pub trait Surface {
    type Root<'a>: Node<'a> + Send + Sync
    where
        Self: 'a;

    fn root_node(&self) -> Self::Root<'_>;
}

impl Surface for Value {
    type Root<'a> = &'a Value;

    fn root_node(&self) -> &Value {
        self
    }
}

impl Surface for Tree {
    type Root<'a> = Ref<'a>;

    fn root_node(&self) -> Ref<'_> {
        self.root()
    }
}

/// The members of a `Value` object.
pub struct ValueEntries<'a>(Option<serde_json::map::Iter<'a>>);

impl<'a> Iterator for ValueEntries<'a> {
    type Item = (&'a str, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.as_mut()?.next().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'a> Node<'a> for &'a Value {
    type Entries = ValueEntries<'a>;
    type Items = std::slice::Iter<'a, Value>;

    fn shape(self) -> Shape {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Bool,
            Value::Number(_) => Shape::Number,
            Value::String(_) => Shape::String,
            Value::Array(_) => Shape::Array,
            Value::Object(_) => Shape::Object,
        }
    }

    fn as_str(self) -> Option<&'a str> {
        Value::as_str(self)
    }

    fn entries(self) -> ValueEntries<'a> {
        ValueEntries(self.as_object().map(Map::iter))
    }

    fn items(self) -> std::slice::Iter<'a, Value> {
        self.as_array().map_or([].iter(), |a| a.iter())
    }

    fn len(self) -> usize {
        match self {
            Value::Array(a) => a.len(),
            Value::Object(m) => m.len(),
            _ => 0,
        }
    }

    fn get(self, key: &str) -> Option<&'a Value> {
        self.as_object()?.get(key)
    }

    fn to_value(self) -> Value {
        self.clone()
    }

    fn same(self, other: &'a Value) -> bool {
        self == other
    }
}

/// A node of a [`Tree`].
#[derive(Clone, Copy)]
pub struct Ref<'a> {
    tree: &'a Tree,
    at: u32,
}

impl std::fmt::Debug for Ref<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl<'a> Ref<'a> {
    /// Its index in the tree, for writing.
    pub fn index(self) -> u32 {
        self.at
    }

    fn slot(self) -> Slot {
        self.tree.nodes[self.at as usize]
    }

    pub fn pointer(self, pointer: &str) -> Option<Ref<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut cur = self;
        for seg in crate::surface::split_pointer(pointer) {
            cur = match cur.slot() {
                Slot::Obj(_) => cur.get(&seg)?,
                Slot::Arr(span) => {
                    let i: u32 = seg.parse().ok().filter(|i| *i < span.len)?;
                    cur.tree.at(span.start + i)
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.slot() {
            Slot::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// The members of a [`Tree`] object, or the items of an array.
pub struct Children<'a> {
    tree: &'a Tree,
    range: Range<u32>,
}

impl<'a> Iterator for Children<'a> {
    type Item = (&'a str, Ref<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.range.next()?;
        Some((self.tree.key(at), self.tree.at(at)))
    }

    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        let at = self.range.nth(n)?;
        Some((self.tree.key(at), self.tree.at(at)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

/// The items of a [`Tree`] array.
pub struct Items<'a>(Children<'a>);

impl<'a> Iterator for Items<'a> {
    type Item = Ref<'a>;

    fn next(&mut self) -> Option<Ref<'a>> {
        self.0.next().map(|(_, r)| r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Items<'_> {}

impl<'a> Node<'a> for Ref<'a> {
    type Entries = Children<'a>;
    type Items = Items<'a>;

    fn shape(self) -> Shape {
        match self.slot() {
            Slot::Null => Shape::Null,
            Slot::Bool(_) => Shape::Bool,
            Slot::Pos(_) | Slot::Neg(_) | Slot::Float(_) => Shape::Number,
            Slot::Str(_) => Shape::String,
            Slot::Arr(_) => Shape::Array,
            Slot::Obj(_) => Shape::Object,
        }
    }

    fn as_str(self) -> Option<&'a str> {
        match self.slot() {
            Slot::Str(s) => Some(self.tree.str(s)),
            _ => None,
        }
    }

    fn entries(self) -> Children<'a> {
        let range = match self.slot() {
            Slot::Obj(s) => s.range(),
            _ => 0..0,
        };
        Children {
            tree: self.tree,
            range,
        }
    }

    fn items(self) -> Items<'a> {
        let range = match self.slot() {
            Slot::Arr(s) => s.range(),
            _ => 0..0,
        };
        Items(Children {
            tree: self.tree,
            range,
        })
    }

    fn len(self) -> usize {
        match self.slot() {
            Slot::Obj(s) | Slot::Arr(s) => s.len as usize,
            _ => 0,
        }
    }

    fn get(self, key: &str) -> Option<Ref<'a>> {
        let Slot::Obj(span) = self.slot() else {
            return None;
        };
        let t = self.tree;
        let keys = &t.keys[span.start as usize..(span.start + span.len) as usize];
        let i = keys.binary_search_by(|k| t.str(*k).cmp(key)).ok()?;
        Some(t.at(span.start + i as u32))
    }

    fn to_value(self) -> Value {
        match self.slot() {
            Slot::Null => Value::Null,
            Slot::Bool(b) => Value::Bool(b),
            Slot::Pos(u) => Value::Number(u.get().into()),
            Slot::Neg(i) => Value::Number((i.get() as i64).into()),
            Slot::Float(f) => {
                Number::from_f64(f64::from_bits(f.get())).map_or(Value::Null, Value::Number)
            }
            Slot::Str(s) => Value::String(self.tree.str(s).to_string()),
            Slot::Arr(_) => Value::Array(self.items().map(Ref::to_value).collect()),
            Slot::Obj(_) => Value::Object(
                self.entries()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }

    fn same(self, other: Ref<'a>) -> bool {
        match (self.slot(), other.slot()) {
            (Slot::Str(a), Slot::Str(b)) => self.tree.str(a) == other.tree.str(b),
            (Slot::Arr(a), Slot::Arr(b)) => {
                a.len == b.len && self.items().zip(other.items()).all(|(x, y)| x.same(y))
            }
            (Slot::Obj(a), Slot::Obj(b)) => {
                a.len == b.len
                    && self
                        .entries()
                        .zip(other.entries())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same(vb))
            }
            (Slot::Float(a), Slot::Float(b)) => f64::from_bits(a.get()) == f64::from_bits(b.get()),
            (a, b) => a == b,
        }
    }
}

impl serde::Serialize for Ref<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.slot() {
            Slot::Obj(span) => {
                let mut m = s.serialize_map(Some(span.len as usize))?;
                for (k, v) in self.entries() {
                    m.serialize_entry(k, &v)?;
                }
                m.end()
            }
            Slot::Arr(span) => {
                let mut q = s.serialize_seq(Some(span.len as usize))?;
                for v in self.items() {
                    q.serialize_element(&v)?;
                }
                q.end()
            }
            Slot::Str(st) => s.serialize_str(self.tree.str(st)),
            _ => self.to_value().serialize(s),
        }
    }
}

impl PartialEq for Tree {
    fn eq(&self, other: &Tree) -> bool {
        self.root().to_value() == other.root().to_value()
    }
}

impl serde::Serialize for Tree {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.root().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(text: &str) -> Tree {
        Tree::parse(text.to_string()).expect("valid JSON")
    }

    #[test]
    fn an_overflowed_surface_is_refused_naming_its_environment() {
        let text = r#"{"format": "envparity.snapshot/1", "environment": "staging",
            "collected_at": "2026-11-26T12:00:00Z", "tool": "t", "sources": {},
            "surface": {"a": "b"}}"#;
        let path = std::path::Path::new("s.json");
        let read = || crate::snapshot::Snapshot::parse_tree(path, text.to_string()).unwrap();
        let (mut staging, production) = (read(), read());
        assert!(crate::refuse_overflow(&staging, &production).is_ok());
        staging.surface.overflowed = true;
        let why = crate::refuse_overflow(&staging, &production).unwrap_err();
        assert!(
            why.starts_with("the staging surface is too large to judge"),
            "{why}"
        );
    }

    #[test]
    fn a_tree_reads_back_as_the_value_serde_json_reads() {
        let text = r#"{"b": [1, -2, 3.5, 1e300, null, true, "x\"y"], "a": {"z": {}, "y": []},
            "\u00e9": "caf\u00e9", "big": 18446744073709551615, "neg": -9223372036854775808}"#;
        let want: Value = serde_json::from_str(text).unwrap();
        let t = parsed(text);
        assert_eq!(t.root().to_value(), want);
        assert_eq!(
            serde_json::to_string_pretty(&t).unwrap(),
            serde_json::to_string_pretty(&want).unwrap()
        );
        assert_eq!(Tree::from_value(&want).root().to_value(), want);
        assert!(t.root().same(Tree::from_value(&want).root()));
        // Floats are equal as `Value` has them equal, not by their bits.
        let zeros: [Value; 2] = [json!([0.0]), json!([-0.0])];
        assert_eq!(zeros[0], zeros[1]);
        assert!(parsed("[0.0]").root().same(parsed("[-0.0]").root()));
        assert!(!parsed("[0.5]").root().same(parsed("[0.25]").root()));
    }

    #[test]
    fn members_are_in_key_order_and_found_by_key() {
        let t = parsed(r#"{"m": 1, "a": 2, "z": {"k": "v"}, "B": 3}"#);
        let keys: Vec<&str> = t.root().entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["B", "a", "m", "z"]);
        assert_eq!(t.root().pointer("/z/k").and_then(Ref::as_str), Some("v"));
        assert!(t.root().get("q").is_none());
    }

    #[test]
    fn a_repeated_key_is_an_error() {
        assert!(Tree::parse(r#"{"a": {"x": 1, "y": 2, "x": 3}}"#.into()).is_err());
        assert!(Tree::parse(r#"{"a": 1"#.into()).is_err());
        assert!(Tree::parse(r#"{"a": 1} x"#.into()).is_err());
    }

    #[test]
    fn writes_replace_nodes_and_keep_order() {
        let mut t = parsed(r#"{"settings": {"A": "x", "C": "y"}, "z": 1}"#);
        let settings = t.root().get("settings").unwrap().index();
        t.rename_keys(settings, |k| (k == "C").then(|| "B".to_string()));
        let a = t.root().pointer("/settings/A").unwrap().index();
        t.set_str(a, "new");
        t.set_pointer("/features/x", &json!({"$unknown": "why"}));
        t.set_pointer("/settings/A", &json!(2));
        assert_eq!(
            t.root().to_value(),
            json!({"settings": {"A": 2, "B": "y"}, "z": 1, "features": {"x": {"$unknown": "why"}}})
        );
        // A pointer through an unknown marker sets nothing.
        t.set_pointer("/features/x/y", &json!(1));
        assert!(t.root().pointer("/features/x/y").is_none());
    }
}
