//! SSZ merkleization (sha256, zero-padded to a fixed depth, lengths mixed in), with branches
//! bottom-up so they verify with Berachain's `SSZ.verifyProof`.

use std::sync::OnceLock;

use alloy_primitives::{Address, B256};
use sha2::{Digest, Sha256};

/// `sha256(left ‖ right)`: one level of a tree or a branch.
pub fn hash_pair(left: &B256, right: &B256) -> B256 {
    let mut hasher = Sha256::new();
    hasher.update(left);
    hasher.update(right);
    B256::from_slice(&hasher.finalize())
}

/// Roots of all-zero trees: `zero(d)` is the root of a depth-`d` tree of zero chunks.
pub fn zero(depth: u32) -> B256 {
    static ZEROS: OnceLock<Vec<B256>> = OnceLock::new();
    ZEROS.get_or_init(|| {
        let mut zeros = vec![B256::ZERO];
        for d in 0..64 {
            let next = hash_pair(&zeros[d], &zeros[d]);
            zeros.push(next);
        }
        zeros
    })[depth as usize]
}

/// `ceil(log2(n))`, with 0 for n ≤ 1.
pub const fn depth_for(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// The levels of a depth-`depth` tree over `chunks`, leaves first; each level holds only the
/// nodes that have a non-padding leaf below them.
fn levels(chunks: &[B256], depth: u32) -> Vec<Vec<B256>> {
    let mut levels = vec![chunks.to_vec()];
    for d in 0..depth {
        let below = &levels[d as usize];
        let next = below
            .chunks(2)
            .map(|pair| hash_pair(&pair[0], pair.get(1).unwrap_or(&zero(d))))
            .collect();
        levels.push(next);
    }
    levels
}

/// The root of `chunks` padded with zeros to `2^depth` leaves.
pub fn merkleize(chunks: &[B256], depth: u32) -> B256 {
    levels(chunks, depth)
        .last()
        .and_then(|top| top.first().copied())
        .unwrap_or_else(|| zero(depth))
}

/// The siblings of leaf `index` in the tree of [`merkleize`], bottom-up.
pub fn branch(chunks: &[B256], depth: u32, index: u64) -> Vec<B256> {
    let levels = levels(chunks, depth);
    (0..depth)
        .map(|d| {
            let sibling = (index >> d) ^ 1;
            levels[d as usize]
                .get(sibling as usize)
                .copied()
                .unwrap_or_else(|| zero(d))
        })
        .collect()
}

/// A list's root: its data root with the length mixed in.
pub fn mix_in_length(root: &B256, len: u64) -> B256 {
    hash_pair(root, &u64_leaf(len))
}

/// The length leaf of a list (the sibling of its data root).
pub fn length_leaf(len: u64) -> B256 {
    u64_leaf(len)
}

/// A `uint64` chunk: little-endian, zero-padded.
pub fn u64_leaf(value: u64) -> B256 {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    B256::from(chunk)
}

/// A `bool` chunk.
pub fn bool_leaf(value: bool) -> B256 {
    let mut chunk = [0u8; 32];
    chunk[0] = u8::from(value);
    B256::from(chunk)
}

/// A `Bytes20` (address) chunk: left-aligned.
pub fn address_leaf(address: &Address) -> B256 {
    let mut chunk = [0u8; 32];
    chunk[..20].copy_from_slice(address.as_slice());
    B256::from(chunk)
}

/// A `Bytes4` chunk.
pub fn bytes4_leaf(value: [u8; 4]) -> B256 {
    let mut chunk = [0u8; 32];
    chunk[..4].copy_from_slice(&value);
    B256::from(chunk)
}

/// The root of a fixed-size byte vector longer than one chunk (`Bytes48`, `Bytes96`,
/// `Bytes256`): its chunks merkleized.
pub fn bytes_root(bytes: &[u8]) -> B256 {
    let chunks = pack_bytes(bytes);
    merkleize(&chunks, depth_for(chunks.len() as u64))
}

/// Bytes cut into zero-padded 32-byte chunks.
pub fn pack_bytes(bytes: &[u8]) -> Vec<B256> {
    bytes
        .chunks(32)
        .map(|c| {
            let mut chunk = [0u8; 32];
            chunk[..c.len()].copy_from_slice(c);
            B256::from(chunk)
        })
        .collect()
}

/// `uint64` values packed four to a chunk, little-endian.
pub fn pack_u64s(values: &[u64]) -> Vec<B256> {
    values
        .chunks(4)
        .map(|lanes| {
            let mut chunk = [0u8; 32];
            for (i, v) in lanes.iter().enumerate() {
                chunk[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
            }
            B256::from(chunk)
        })
        .collect()
}

/// The root of a `ByteList[limit]`: its packed chunks under the limit's depth, length mixed in.
pub fn byte_list_root(bytes: &[u8], limit_bytes: u64) -> B256 {
    let depth = depth_for(limit_bytes.div_ceil(32));
    mix_in_length(&merkleize(&pack_bytes(bytes), depth), bytes.len() as u64)
}

/// The root of a container with the given field roots.
pub fn container_root(fields: &[B256]) -> B256 {
    merkleize(fields, depth_for(fields.len() as u64))
}

/// The root of a `List[T, limit]` whose elements have the given roots (one chunk each).
pub fn list_root(elements: &[B256], limit: u64) -> B256 {
    mix_in_length(
        &merkleize(elements, depth_for(limit)),
        elements.len() as u64,
    )
}

/// Generalized-index concatenation: node `b` of the subtree rooted at node `a`.
pub const fn concat_gindex(a: u64, b: u64) -> u64 {
    let p = 63 - b.leading_zeros();
    (a << p) | (b & !(1u64 << p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_trees_and_depths() {
        assert_eq!(zero(1), hash_pair(&B256::ZERO, &B256::ZERO));
        assert_eq!(merkleize(&[], 5), zero(5));
        assert_eq!(depth_for(17), 5);
        assert_eq!(depth_for(16), 4);
        assert_eq!(depth_for(1 << 40), 40);
    }

    #[test]
    fn branches_verify_at_every_leaf() {
        let chunks: Vec<B256> = (1u8..=5).map(B256::repeat_byte).collect();
        let root = merkleize(&chunks, 4);
        for (i, leaf) in chunks.iter().enumerate() {
            let proof = branch(&chunks, 4, i as u64);
            let gindex = 16 + i as u64;
            assert_eq!(crate::proof::verify(&proof, root, *leaf, gindex), Ok(true));
        }
    }

    #[test]
    fn beacon_kit_gindices_are_concatenations() {
        assert_eq!(concat_gindex(11, 82 << 43), 6_350_779_162_034_176);
        assert_eq!(concat_gindex(11, 84 << 38), 199_011_604_627_456);
    }
}
