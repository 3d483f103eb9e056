//! Sender recovery for a whole block body, spread over the machine's cores: recovering a
//! signature costs tens of microseconds, so a 1,000-transaction payload spends milliseconds on
//! it before execution can start.

use alloy_consensus::{
    transaction::{Recovered, SignerRecoverable},
    TxEnvelope,
};
use alloy_primitives::Address;

/// Bodies shorter than this are recovered on the calling thread: spawning a thread costs more
/// than a few recoveries.
const PARALLEL_FROM: usize = 64;

/// A transaction whose signature does not recover, by its index in the body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("transaction {index}: bad signature: {reason}")]
pub struct BadSignature {
    /// Index of the transaction in the body.
    pub index: usize,
    /// Why the recovery failed.
    pub reason: String,
}

fn recover_one(index: usize, tx: &TxEnvelope) -> Result<Address, BadSignature> {
    tx.recover_signer().map_err(|e| BadSignature {
        index,
        reason: e.to_string(),
    })
}

/// Recovers every sender of `transactions`, in order, on up to `available_parallelism` threads;
/// the first bad signature (lowest index) fails the whole body.
pub fn recover_senders(
    transactions: Vec<TxEnvelope>,
) -> Result<Vec<Recovered<TxEnvelope>>, BadSignature> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let senders: Vec<Result<Address, BadSignature>> =
        if threads < 2 || transactions.len() < PARALLEL_FROM {
            transactions
                .iter()
                .enumerate()
                .map(|(i, tx)| recover_one(i, tx))
                .collect()
        } else {
            let chunk = transactions.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = transactions
                    .chunks(chunk)
                    .enumerate()
                    .map(|(n, part)| {
                        scope.spawn(move || {
                            part.iter()
                                .enumerate()
                                .map(|(i, tx)| recover_one(n * chunk + i, tx))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .enumerate()
                    .flat_map(|(n, h)| {
                        h.join().unwrap_or_else(|_| {
                            vec![Err(BadSignature {
                                index: n * chunk,
                                reason: "recovery thread panicked".into(),
                            })]
                        })
                    })
                    .collect()
            })
        };
    transactions
        .into_iter()
        .zip(senders)
        .map(|(tx, sender)| Ok(Recovered::new_unchecked(tx, sender?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_primitives::{Signature, TxKind, U256};
    use alloy_signer::SignerSync;
    use alloy_signer_local::PrivateKeySigner;

    use super::*;

    fn transfers(count: usize) -> (Vec<TxEnvelope>, Vec<Address>) {
        let signers: Vec<PrivateKeySigner> = (0..3).map(|_| PrivateKeySigner::random()).collect();
        (0..count)
            .map(|i| {
                let signer = &signers[i % signers.len()];
                let tx = TxEip1559 {
                    chain_id: 80087,
                    nonce: i as u64,
                    gas_limit: 21_000,
                    to: TxKind::Call(Address::with_last_byte(1)),
                    value: U256::from(i),
                    ..Default::default()
                };
                let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
                (
                    TxEnvelope::Eip1559(tx.into_signed(signature)),
                    signer.address(),
                )
            })
            .unzip()
    }

    #[test]
    fn senders_come_back_in_order_on_one_thread_and_on_many() {
        for count in [0, 5, PARALLEL_FROM, 301] {
            let (txs, senders) = transfers(count);
            let recovered = recover_senders(txs.clone()).unwrap();
            assert_eq!(recovered.len(), count);
            for ((r, tx), sender) in recovered.iter().zip(&txs).zip(&senders) {
                assert_eq!(r.signer(), *sender);
                assert_eq!(r.inner(), tx);
            }
        }
    }

    #[test]
    fn the_first_bad_signature_fails_the_body_with_its_index() {
        let (mut txs, _) = transfers(200);
        for bad in [150, 7] {
            let TxEnvelope::Eip1559(signed) = &txs[bad] else {
                unreachable!("every test transaction is EIP-1559")
            };
            let broken = Signature::new(U256::ZERO, U256::ZERO, false);
            txs[bad] = TxEnvelope::Eip1559(signed.tx().clone().into_signed(broken));
        }
        let error = recover_senders(txs).unwrap_err();
        assert_eq!(error.index, 7);
    }
}
