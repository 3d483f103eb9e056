//! A persistent Merkle-Patricia trie over 32-byte keys: nodes are shared (`Arc`) between
//! versions and keep their encoding once computed, so cloning a trie is O(1), an update copies
//! only the path to the key it touches, and a root after a block rehashes only those paths.
//! Node encodings are alloy-trie's, so roots and proofs agree with `alloy_trie`.

use std::sync::{Arc, OnceLock};

use alloy_primitives::{keccak256, Bytes, B256};
use alloy_rlp::Encodable;
use alloy_trie::{
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
    Nibbles, TrieMask, EMPTY_ROOT_HASH,
};

#[derive(Clone, Debug)]
enum Node {
    /// The rest of a key and its value.
    Leaf { path: Box<[u8]>, value: Box<[u8]> },
    /// A shared run of nibbles above a branch.
    Extension { path: Box<[u8]>, child: Arc<Slot> },
    /// Sixteen children (keys all have the same length, so branches hold no value).
    Branch { children: [Option<Arc<Slot>>; 16] },
}

/// A node with its encoding, computed once: a node is never changed after it is shared, an
/// update makes a new one.
#[derive(Clone, Debug)]
struct Slot {
    node: Node,
    rlp: OnceLock<RlpNode>,
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn make(node: Node) -> Arc<Slot> {
    Arc::new(Slot {
        node,
        rlp: OnceLock::new(),
    })
}

fn leaf(path: &[u8], value: Box<[u8]>) -> Arc<Slot> {
    make(Node::Leaf {
        path: path.into(),
        value,
    })
}

/// `node` under an extension of `path` (or `node` itself for an empty path).
fn wrap(path: &[u8], node: Node) -> Arc<Slot> {
    if path.is_empty() {
        make(node)
    } else {
        make(Node::Extension {
            path: path.into(),
            child: make(node),
        })
    }
}

/// The node (taken if this is its only owner, copied if a version still shares it).
fn take(slot: Arc<Slot>) -> Node {
    Arc::unwrap_or_clone(slot).node
}

/// `slot` with `path` set to `value`.
fn insert(slot: Option<Arc<Slot>>, path: &[u8], value: Box<[u8]>) -> Arc<Slot> {
    let Some(slot) = slot else {
        return leaf(path, value);
    };
    match take(slot) {
        Node::Leaf {
            path: existing,
            value: old,
        } => {
            if *existing == *path {
                return leaf(path, value);
            }
            let common = common_prefix(&existing, path);
            let mut children: [Option<Arc<Slot>>; 16] = Default::default();
            children[existing[common] as usize] = Some(leaf(&existing[common + 1..], old));
            children[path[common] as usize] = Some(leaf(&path[common + 1..], value));
            wrap(&path[..common], Node::Branch { children })
        }
        Node::Extension {
            path: shared,
            child,
        } => {
            let common = common_prefix(&shared, path);
            if common == shared.len() {
                let child = insert(Some(child), &path[common..], value);
                return make(Node::Extension {
                    path: shared,
                    child,
                });
            }
            let mut children: [Option<Arc<Slot>>; 16] = Default::default();
            children[shared[common] as usize] = Some(if shared.len() == common + 1 {
                child
            } else {
                make(Node::Extension {
                    path: shared[common + 1..].into(),
                    child,
                })
            });
            children[path[common] as usize] = Some(leaf(&path[common + 1..], value));
            wrap(&path[..common], Node::Branch { children })
        }
        Node::Branch { mut children } => {
            let i = path[0] as usize;
            children[i] = Some(insert(children[i].take(), &path[1..], value));
            make(Node::Branch { children })
        }
    }
}

/// Whether `slot` holds `path`.
fn contains(slot: &Slot, path: &[u8]) -> bool {
    match &slot.node {
        Node::Leaf { path: existing, .. } => **existing == *path,
        Node::Extension {
            path: shared,
            child,
        } => path.starts_with(shared) && contains(child, &path[shared.len()..]),
        Node::Branch { children } => children[path[0] as usize]
            .as_deref()
            .is_some_and(|c| contains(c, &path[1..])),
    }
}

/// `slot` without `path`, which it holds (see [`contains`]).
fn remove(slot: Arc<Slot>, path: &[u8]) -> Option<Arc<Slot>> {
    match take(slot) {
        Node::Leaf { .. } => None,
        Node::Extension {
            path: shared,
            child,
        } => {
            let child = remove(child, &path[shared.len()..]);
            child.map(|child| extend(&shared, child))
        }
        Node::Branch { mut children } => {
            let i = path[0] as usize;
            children[i] = children[i].take().and_then(|c| remove(c, &path[1..]));
            let mut live = children.iter().enumerate().filter(|(_, c)| c.is_some());
            match (live.next(), live.next()) {
                (None, _) => None,
                (Some((only, _)), None) => {
                    let child = children[only].take()?;
                    Some(extend(&[only as u8], child))
                }
                _ => Some(make(Node::Branch { children })),
            }
        }
    }
}

/// `child` below a run of `path` nibbles, in canonical shape: a leaf or an extension below
/// absorbs the run, a branch gets an extension above it.
fn extend(path: &[u8], child: Arc<Slot>) -> Arc<Slot> {
    if matches!(child.node, Node::Branch { .. }) {
        return wrap_slot(path, child);
    }
    match take(child) {
        Node::Leaf { path: rest, value } => make(Node::Leaf {
            path: [path, &rest].concat().into(),
            value,
        }),
        Node::Extension { path: rest, child } => make(Node::Extension {
            path: [path, &rest].concat().into(),
            child,
        }),
        branch @ Node::Branch { .. } => wrap(path, branch),
    }
}

/// `child` under an extension of `path`, keeping its (shared) encoding.
fn wrap_slot(path: &[u8], child: Arc<Slot>) -> Arc<Slot> {
    if path.is_empty() {
        child
    } else {
        make(Node::Extension {
            path: path.into(),
            child,
        })
    }
}

impl Slot {
    /// How the parent refers to this node: its hash, or its RLP when shorter than 32 bytes.
    fn rlp(&self) -> RlpNode {
        self.rlp
            .get_or_init(|| RlpNode::from_rlp(&self.encode()))
            .clone()
    }

    /// The node's full RLP encoding.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.node {
            Node::Leaf { path, value } => {
                LeafNodeRef::new(&Nibbles::from_nibbles_unchecked(&**path), value).encode(&mut out)
            }
            Node::Extension { path, child } => {
                let child = child.rlp();
                ExtensionNodeRef::new(&Nibbles::from_nibbles_unchecked(&**path), &child)
                    .encode(&mut out)
            }
            Node::Branch { children } => {
                let mut mask = TrieMask::default();
                let mut stack = Vec::with_capacity(16);
                for (i, child) in children.iter().enumerate() {
                    if let Some(child) = child {
                        mask.set_bit(i as u8);
                        stack.push(child.rlp());
                    }
                }
                BranchNodeRef::new(&stack, mask).encode(&mut out)
            }
        }
        out
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

/// A Merkle-Patricia trie of 32-byte keys (hashed addresses or slots). Cloning it is O(1): the
/// clone and the original share every node until one of them changes a path.
#[derive(Clone, Debug, Default)]
pub struct Trie {
    root: Option<Arc<Slot>>,
}

impl Trie {
    /// Sets `key` to `value` (an RLP-encoded leaf value).
    pub fn insert(&mut self, key: &B256, value: Vec<u8>) {
        self.root = Some(insert(
            self.root.take(),
            &nibbles(key),
            value.into_boxed_slice(),
        ));
    }

    /// Removes `key` (nothing if it is absent).
    pub fn remove(&mut self, key: &B256) {
        let path = nibbles(key);
        if self.root.as_deref().is_some_and(|r| contains(r, &path)) {
            self.root = self.root.take().and_then(|r| remove(r, &path));
        }
    }

    /// Whether the trie has no key.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The root hash; only nodes made since their last hashing are hashed.
    pub fn root(&self) -> B256 {
        let Some(root) = &self.root else {
            return EMPTY_ROOT_HASH;
        };
        let node = root.rlp();
        node.as_hash().unwrap_or_else(|| keccak256(node.as_ref()))
    }

    /// The EIP-1186 proof of `key`: the RLP of every node on its path, root first, that its
    /// parent refers to by hash (nodes shorter than 32 bytes are inside their parent). Proves
    /// the value, or the absence, of `key`.
    pub fn proof(&self, key: &B256) -> Vec<Bytes> {
        let mut out = Vec::new();
        let path = nibbles(key);
        let mut rest: &[u8] = &path;
        let mut next = self.root.as_deref();
        let mut is_root = true;
        while let Some(slot) = next {
            let encoded = slot.encode();
            if is_root || encoded.len() >= 32 {
                out.push(Bytes::from(encoded));
            }
            is_root = false;
            next = match &slot.node {
                Node::Leaf { .. } => None,
                Node::Extension {
                    path: shared,
                    child,
                } => rest.strip_prefix(&**shared).map(|r| {
                    rest = r;
                    &**child
                }),
                Node::Branch { children } => {
                    let child = children[rest[0] as usize].as_deref();
                    rest = &rest[1..];
                    child
                }
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use alloy_trie::{proof::verify_proof, HashBuilder};
    use proptest::prelude::*;

    fn reference_root(entries: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut hb = HashBuilder::default();
        for (k, v) in entries {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        hb.root()
    }

    /// A small key space with shared prefixes exercises splits and collapses.
    fn key(byte: u8) -> B256 {
        let mut k = [0u8; 32];
        k[0] = byte / 8;
        k[1] = byte;
        B256::from(k)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn matches_alloy_trie_through_inserts_updates_and_removals(
            ops in prop::collection::vec((0u8..40, prop::collection::vec(any::<u8>(), 1..40), any::<bool>()), 1..200)
        ) {
            let mut trie = Trie::default();
            let mut reference = BTreeMap::new();
            // Versions taken along the way must keep their roots while later ones change.
            let mut versions = Vec::new();
            for (i, (byte, value, remove)) in ops.iter().enumerate() {
                let k = key(*byte);
                if *remove {
                    trie.remove(&k);
                    reference.remove(&k);
                } else {
                    trie.insert(&k, value.clone());
                    reference.insert(k, value.clone());
                }
                if i % 7 == 0 || i + 1 == ops.len() {
                    let root = reference_root(&reference);
                    prop_assert_eq!(trie.root(), root);
                    versions.push((trie.clone(), root));
                }
            }
            for (version, root) in &versions {
                prop_assert_eq!(version.root(), *root);
            }
        }

        #[test]
        fn proofs_verify_against_alloy_trie(
            entries in prop::collection::btree_map(0u8..40, prop::collection::vec(any::<u8>(), 1..40), 0..30),
            probe in 0u8..40,
        ) {
            let mut trie = Trie::default();
            let mut reference = BTreeMap::new();
            for (byte, value) in &entries {
                trie.insert(&key(*byte), value.clone());
                reference.insert(key(*byte), value.clone());
            }
            let k = key(probe);
            let proof = trie.proof(&k);
            let expected = reference.get(&k).cloned();
            prop_assert_eq!(
                verify_proof(trie.root(), Nibbles::unpack(k), expected, &proof),
                Ok(())
            );
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
        assert!(trie.is_empty());
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }
}
