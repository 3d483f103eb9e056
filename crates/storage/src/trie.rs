//! An in-memory Merkle-Patricia trie over 32-byte keys that keeps the hash of every node, so that
//! after a block only the paths to the keys it touched are rehashed. Node encodings are
//! alloy-trie's, so roots agree with `alloy_trie::root`.

use alloy_primitives::{keccak256, B256};
use alloy_trie::{
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
    Nibbles, TrieMask, EMPTY_ROOT_HASH,
};

#[derive(Clone, Debug, Default)]
enum Node {
    #[default]
    Empty,
    /// The rest of a key and its value.
    Leaf { path: Vec<u8>, value: Vec<u8> },
    /// A shared run of nibbles above a branch.
    Extension { path: Vec<u8>, child: Box<Slot> },
    /// Sixteen children (keys all have the same length, so branches hold no value).
    Branch { children: Box<[Slot; 16]> },
}

/// A node with its cached encoding (cleared on every change below it).
#[derive(Clone, Debug, Default)]
struct Slot {
    node: Node,
    cache: Option<RlpNode>,
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Slot {
    fn new(node: Node) -> Self {
        Self { node, cache: None }
    }

    fn leaf(path: &[u8], value: Vec<u8>) -> Self {
        Self::new(Node::Leaf {
            path: path.to_vec(),
            value,
        })
    }

    fn insert(&mut self, path: &[u8], value: Vec<u8>) {
        self.cache = None;
        self.node = match std::mem::take(&mut self.node) {
            Node::Empty => Node::Leaf {
                path: path.to_vec(),
                value,
            },
            Node::Leaf {
                path: existing,
                value: old,
            } => {
                if existing == path {
                    Node::Leaf {
                        path: existing,
                        value,
                    }
                } else {
                    let common = common_prefix(&existing, path);
                    let mut children: Box<[Slot; 16]> = Box::default();
                    children[existing[common] as usize] = Slot::leaf(&existing[common + 1..], old);
                    children[path[common] as usize] = Slot::leaf(&path[common + 1..], value);
                    wrap(&path[..common], Node::Branch { children })
                }
            }
            Node::Extension {
                path: shared,
                mut child,
            } => {
                let common = common_prefix(&shared, path);
                if common == shared.len() {
                    child.insert(&path[common..], value);
                    Node::Extension {
                        path: shared,
                        child,
                    }
                } else {
                    let mut children: Box<[Slot; 16]> = Box::default();
                    children[shared[common] as usize] = if shared.len() == common + 1 {
                        *child
                    } else {
                        Slot::new(Node::Extension {
                            path: shared[common + 1..].to_vec(),
                            child,
                        })
                    };
                    children[path[common] as usize] = Slot::leaf(&path[common + 1..], value);
                    wrap(&path[..common], Node::Branch { children })
                }
            }
            Node::Branch { mut children } => {
                children[path[0] as usize].insert(&path[1..], value);
                Node::Branch { children }
            }
        };
    }

    /// Removes `path`; returns whether it was there.
    fn remove(&mut self, path: &[u8]) -> bool {
        let removed = match &mut self.node {
            Node::Empty => false,
            Node::Leaf { path: existing, .. } => {
                if existing == path {
                    self.node = Node::Empty;
                    true
                } else {
                    false
                }
            }
            Node::Extension {
                path: shared,
                child,
            } => path.starts_with(shared) && child.remove(&path[shared.len()..]),
            Node::Branch { children } => children[path[0] as usize].remove(&path[1..]),
        };
        if removed {
            self.cache = None;
            self.normalize();
        }
        removed
    }

    /// Restores the canonical shape after a removal below.
    fn normalize(&mut self) {
        self.node = match std::mem::take(&mut self.node) {
            Node::Extension { path, child } => match child.node {
                Node::Empty => Node::Empty,
                Node::Leaf { path: rest, value } => Node::Leaf {
                    path: [path, rest].concat(),
                    value,
                },
                Node::Extension {
                    path: rest,
                    child: grandchild,
                } => Node::Extension {
                    path: [path, rest].concat(),
                    child: grandchild,
                },
                branch @ Node::Branch { .. } => Node::Extension {
                    path,
                    child: Box::new(Slot {
                        node: branch,
                        cache: child.cache,
                    }),
                },
            },
            Node::Branch { mut children } => {
                let live: Vec<usize> = (0..16)
                    .filter(|i| !matches!(children[*i].node, Node::Empty))
                    .collect();
                match live.as_slice() {
                    [] => Node::Empty,
                    [only] => {
                        let nibble = *only as u8;
                        let child = std::mem::take(&mut children[*only]);
                        match child.node {
                            Node::Leaf { path, value } => Node::Leaf {
                                path: [vec![nibble], path].concat(),
                                value,
                            },
                            Node::Extension { path, child } => Node::Extension {
                                path: [vec![nibble], path].concat(),
                                child,
                            },
                            other => Node::Extension {
                                path: vec![nibble],
                                child: Box::new(Slot {
                                    node: other,
                                    cache: child.cache,
                                }),
                            },
                        }
                    }
                    _ => Node::Branch { children },
                }
            }
            other => other,
        };
    }

    fn rlp(&mut self, buf: &mut Vec<u8>) -> RlpNode {
        if let Some(cached) = &self.cache {
            return cached.clone();
        }
        let encoded = match &mut self.node {
            Node::Empty => RlpNode::from_rlp(&[alloy_rlp::EMPTY_STRING_CODE]),
            Node::Leaf { path, value } => {
                buf.clear();
                LeafNodeRef::new(&Nibbles::from_nibbles_unchecked(&*path), value).rlp(buf)
            }
            Node::Extension { path, child } => {
                let child = child.rlp(buf);
                buf.clear();
                ExtensionNodeRef::new(&Nibbles::from_nibbles_unchecked(&*path), &child).rlp(buf)
            }
            Node::Branch { children } => {
                let mut mask = TrieMask::default();
                let mut stack = Vec::new();
                for (i, child) in children.iter_mut().enumerate() {
                    if !matches!(child.node, Node::Empty) {
                        mask.set_bit(i as u8);
                        stack.push(child.rlp(buf));
                    }
                }
                buf.clear();
                BranchNodeRef::new(&stack, mask).rlp(buf)
            }
        };
        self.cache = Some(encoded.clone());
        encoded
    }
}

/// Puts `node` under an extension of `path` (or returns it as is for an empty path).
fn wrap(path: &[u8], node: Node) -> Node {
    if path.is_empty() {
        node
    } else {
        Node::Extension {
            path: path.to_vec(),
            child: Box::new(Slot::new(node)),
        }
    }
}

fn nibbles(key: &B256) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, byte) in key.iter().enumerate() {
        out[2 * i] = byte >> 4;
        out[2 * i + 1] = byte & 0x0f;
    }
    out
}

/// A Merkle-Patricia trie of 32-byte keys (hashed addresses or slots) with cached node hashes.
#[derive(Clone, Debug, Default)]
pub struct Trie {
    root: Slot,
}

impl Trie {
    /// Sets `key` to `value` (an RLP-encoded leaf value).
    pub fn insert(&mut self, key: &B256, value: Vec<u8>) {
        self.root.insert(&nibbles(key), value);
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &B256) {
        self.root.remove(&nibbles(key));
    }

    /// The root hash; only nodes changed since the last call are rehashed.
    pub fn root(&mut self) -> B256 {
        if matches!(self.root.node, Node::Empty) {
            return EMPTY_ROOT_HASH;
        }
        let mut buf = Vec::with_capacity(600);
        let node = self.root.rlp(&mut buf);
        node.as_hash().unwrap_or_else(|| keccak256(node.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use alloy_trie::HashBuilder;
    use proptest::prelude::*;

    fn reference_root(entries: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut hb = HashBuilder::default();
        for (k, v) in entries {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        hb.root()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn matches_alloy_trie_through_inserts_updates_and_removals(
            ops in prop::collection::vec((0u8..40, prop::collection::vec(any::<u8>(), 1..40), any::<bool>()), 1..200)
        ) {
            let mut trie = Trie::default();
            let mut reference = BTreeMap::new();
            for (i, (key, value, remove)) in ops.iter().enumerate() {
                // A small key space with shared prefixes exercises splits and collapses.
                let mut k = [0u8; 32];
                k[0] = key / 8;
                k[1] = *key;
                let k = B256::from(k);
                if *remove {
                    trie.remove(&k);
                    reference.remove(&k);
                } else {
                    trie.insert(&k, value.clone());
                    reference.insert(k, value.clone());
                }
                if i % 7 == 0 || i + 1 == ops.len() {
                    prop_assert_eq!(trie.root(), reference_root(&reference));
                }
            }
        }
    }

    #[test]
    fn empty_and_single() {
        let mut trie = Trie::default();
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
        let k = B256::repeat_byte(1);
        trie.insert(&k, vec![0x80]);
        let mut reference = BTreeMap::new();
        reference.insert(k, vec![0x80]);
        assert_eq!(trie.root(), reference_root(&reference));
        trie.remove(&k);
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }
}
