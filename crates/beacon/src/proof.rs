//! SSZ Merkle proofs against beacon block roots, as Berachain's `SSZ.verifyProof`: sha256,
//! bottom-up branches, a proof exactly `floor(log2(gindex))` long, at BeaconKit's Electra
//! generalized indices. The pool precompiles verify activation and balance proofs with these
//! functions, and the dev consensus layer's proofs are checked against them.

use alloy_primitives::B256;

pub use crate::ssz::hash_pair;

/// BeaconKit's Electra generalized index of validator 0's pubkey, from the beacon block root.
pub const ZERO_VALIDATOR_PUBKEY_GINDEX: u64 = 6_350_779_162_034_176;
/// … of validator 0's withdrawal credentials.
pub const ZERO_VALIDATOR_CREDENTIALS_GINDEX: u64 = 6_350_779_162_034_177;
/// … of the balances chunk holding validators 0..4.
pub const ZERO_VALIDATOR_BALANCE_GINDEX: u64 = 199_011_604_627_456;
/// … of the state's `eth1_deposit_index` (state field 7 of 17 under the header's state root).
pub const ETH1_DEPOSIT_INDEX_GINDEX: u64 = 359;
/// Validators are 8 nodes apart at the level of their fields.
pub const VALIDATOR_GINDEX_OFFSET: u64 = 8;
/// Balances are packed 4 to a 32-byte chunk.
pub const BALANCES_PER_LEAF: u64 = 4;

/// Why a branch does not fit its generalized index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchError {
    /// More siblings than the index has levels (`BranchHasExtraItem`).
    ExtraItem,
    /// Fewer siblings than the index has levels (`BranchHasMissingItem`).
    MissingItem,
}

/// Whether `proof` proves `leaf` at `gindex` under `root`.
pub fn verify(proof: &[B256], root: B256, leaf: B256, gindex: u64) -> Result<bool, BranchError> {
    let mut node = leaf;
    let mut index = gindex;
    for sibling in proof {
        let is_right = index & 1 == 1;
        index >>= 1;
        if index == 0 {
            return Err(BranchError::ExtraItem);
        }
        node = if is_right {
            hash_pair(sibling, &node)
        } else {
            hash_pair(&node, sibling)
        };
    }
    if index != 1 {
        return Err(BranchError::MissingItem);
    }
    Ok(node == root)
}

/// The leaf of a `uint64` such as `eth1_deposit_index`: little-endian, zero-padded.
pub fn deposit_index_leaf(deposit_index: u64) -> B256 {
    crate::ssz::u64_leaf(deposit_index)
}

/// The SSZ root of a 48-byte pubkey: `sha256(pubkey ‖ 0^16)`.
pub fn pubkey_leaf(pubkey: &[u8; 48]) -> B256 {
    crate::ssz::bytes_root(pubkey)
}

/// The balance of validator `index` in its balances chunk (little-endian lane `index % 4`).
pub fn balance_in_leaf(leaf: &B256, index: u64) -> u64 {
    let lane = (index % BALANCES_PER_LEAF) as usize * 8;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&leaf[lane..lane + 8]);
    u64::from_le_bytes(bytes)
}

/// A sparse Merkle tree given by its leaves at arbitrary generalized indices, every other
/// subtree zero: the root and branches of a beacon block that holds just these leaves. Tests use
/// it to build proofs; so can a consensus-layer simulator.
#[derive(Clone, Debug, Default)]
pub struct SparseMerkle {
    leaves: Vec<(u64, B256)>,
}

fn depth(gindex: u64) -> u32 {
    63 - gindex.leading_zeros()
}

impl SparseMerkle {
    /// A tree with `leaves` as `(gindex, value)`.
    pub fn new(leaves: Vec<(u64, B256)>) -> Self {
        Self { leaves }
    }

    fn has_leaf_below(&self, gindex: u64) -> bool {
        self.leaves.iter().any(|(leaf, _)| {
            let (dl, dg) = (depth(*leaf), depth(gindex));
            dl >= dg && leaf >> (dl - dg) == gindex
        })
    }

    /// The value of node `gindex`.
    pub fn node(&self, gindex: u64) -> B256 {
        if let Some((_, value)) = self.leaves.iter().find(|(leaf, _)| *leaf == gindex) {
            return *value;
        }
        if !self.has_leaf_below(gindex) || depth(gindex) >= 63 {
            return B256::ZERO;
        }
        hash_pair(&self.node(2 * gindex), &self.node(2 * gindex + 1))
    }

    /// The root (gindex 1).
    pub fn root(&self) -> B256 {
        self.node(1)
    }

    /// The branch of node `gindex`, bottom-up.
    pub fn branch(&self, gindex: u64) -> Vec<B256> {
        let mut g = gindex;
        let mut out = Vec::new();
        while g > 1 {
            out.push(self.node(g ^ 1));
            g >>= 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_verifies_at_its_gindex_only() {
        let leaves: Vec<B256> = (0u8..8).map(|i| B256::repeat_byte(i + 1)).collect();
        let tree = SparseMerkle::new(
            leaves
                .iter()
                .enumerate()
                .map(|(i, l)| (8 + i as u64, *l))
                .collect(),
        );
        // Leaf 5 of a depth-3 tree has gindex 8 + 5.
        let branch = tree.branch(13);
        assert_eq!(verify(&branch, tree.root(), leaves[5], 13), Ok(true));
        assert_eq!(verify(&branch, tree.root(), leaves[4], 13), Ok(false));
        assert_eq!(verify(&branch, tree.root(), leaves[5], 12), Ok(false));
        assert_eq!(
            verify(&branch[..2], tree.root(), leaves[5], 13),
            Err(BranchError::MissingItem)
        );
        let mut long = branch.clone();
        long.push(B256::ZERO);
        assert_eq!(
            verify(&long, tree.root(), leaves[5], 13),
            Err(BranchError::ExtraItem)
        );
    }

    #[test]
    fn sparse_trees_prove_deep_leaves_together() {
        let pubkey = B256::repeat_byte(7);
        let balance = B256::repeat_byte(9);
        let p = ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * 3;
        let b = ZERO_VALIDATOR_BALANCE_GINDEX;
        let tree = SparseMerkle::new(vec![(p, pubkey), (b, balance)]);
        assert_eq!(tree.branch(p).len(), 52);
        assert_eq!(verify(&tree.branch(p), tree.root(), pubkey, p), Ok(true));
        assert_eq!(verify(&tree.branch(b), tree.root(), balance, b), Ok(true));
        assert_eq!(verify(&tree.branch(b), tree.root(), pubkey, b), Ok(false));
    }

    #[test]
    fn gindex_constants_match_beacon_kit() {
        // 52 and 47 levels: the proof lengths BeaconKit serves.
        assert_eq!(63 - ZERO_VALIDATOR_PUBKEY_GINDEX.leading_zeros(), 52);
        assert_eq!(63 - ZERO_VALIDATOR_BALANCE_GINDEX.leading_zeros(), 47);
    }

    #[test]
    fn balances_are_little_endian_lanes() {
        let mut leaf = [0u8; 32];
        leaf[8..16].copy_from_slice(&10_000_000_000_000u64.to_le_bytes());
        assert_eq!(balance_in_leaf(&B256::from(leaf), 5), 10_000_000_000_000);
        assert_eq!(balance_in_leaf(&B256::from(leaf), 4), 0);
    }
}
