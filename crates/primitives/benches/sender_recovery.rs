//! Sender recovery, both secp256k1 backends side by side on the same signed transfers: k256
//! (pure Rust) and libsecp256k1 (C, what the node uses), then the node's `recover_senders` on
//! one thread and on every core. Prints a table; asserts only that every backend recovers the
//! signer.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Instant;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_primitives::{keccak256, Address, TxKind, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use berapool_primitives::recover_senders;

const TRANSFERS: usize = 4_000;
const ROUNDS: usize = 5;

struct Signed {
    hash: B256,
    compact: [u8; 64],
    parity: bool,
}

fn signed_transfers(signer: &PrivateKeySigner) -> (Vec<TxEnvelope>, Vec<Signed>) {
    (0..TRANSFERS)
        .map(|nonce| {
            let tx = TxEip1559 {
                chain_id: 80087,
                nonce: nonce as u64,
                gas_limit: 21_000,
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(Address::with_last_byte(0xb0)),
                value: U256::from(1),
                ..Default::default()
            };
            let hash = tx.signature_hash();
            let signature = signer.sign_hash_sync(&hash).unwrap();
            let mut compact = [0u8; 64];
            compact[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
            compact[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
            let raw = Signed {
                hash,
                compact,
                parity: signature.v(),
            };
            (TxEnvelope::Eip1559(tx.into_signed(signature)), raw)
        })
        .unzip()
}

fn k256_recover(s: &Signed) -> Address {
    use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let signature = Signature::from_slice(&s.compact).unwrap();
    let id = RecoveryId::from_byte(u8::from(s.parity)).unwrap();
    let key = VerifyingKey::recover_from_prehash(s.hash.as_slice(), &signature, id).unwrap();
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

fn libsecp_recover(s: &Signed) -> Address {
    use secp256k1::{
        ecdsa::{RecoverableSignature, RecoveryId},
        Message, SECP256K1,
    };
    let id = RecoveryId::try_from(i32::from(s.parity)).unwrap();
    let signature = RecoverableSignature::from_compact(&s.compact, id).unwrap();
    let key = SECP256K1
        .recover_ecdsa(&Message::from_digest(s.hash.0), &signature)
        .unwrap();
    Address::from_slice(&keccak256(&key.serialize_uncompressed()[1..])[12..])
}

/// Median over the rounds of the time per transaction, in µs.
fn time(mut run: impl FnMut()) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e6 / TRANSFERS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

fn main() {
    let signer: PrivateKeySigner =
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
            .parse()
            .unwrap();
    let sender = signer.address();
    let (txs, raw) = signed_transfers(&signer);
    assert!(raw.iter().all(|s| k256_recover(s) == sender));
    assert!(raw.iter().all(|s| libsecp_recover(s) == sender));

    let k256 = time(|| {
        for s in &raw {
            std::hint::black_box(k256_recover(s));
        }
    });
    let libsecp = time(|| {
        for s in &raw {
            std::hint::black_box(libsecp_recover(s));
        }
    });
    let one_thread = time(|| {
        for tx in &txs {
            std::hint::black_box(
                alloy_consensus::transaction::SignerRecoverable::recover_signer(tx).unwrap(),
            );
        }
    });
    let all_cores = time(|| {
        let recovered = recover_senders(txs.clone()).unwrap();
        assert_eq!(recovered.len(), TRANSFERS);
        std::hint::black_box(recovered);
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("sender recovery, {TRANSFERS} signed EIP-1559 transfers, median of {ROUNDS} rounds");
    println!("{:<44} {:>10} {:>14}", "", "µs per tx", "senders/s");
    for (name, us) in [
        ("k256 (pure Rust)", k256),
        ("libsecp256k1 (C)", libsecp),
        ("node: recover_signer, one thread", one_thread),
        (&*format!("node: recover_senders, {cores} cores"), all_cores),
    ] {
        println!("{name:<44} {us:>10.1} {:>14.0}", 1e6 / us);
    }
    println!("libsecp256k1 / k256: {:.2}x faster", k256 / libsecp);
}
