//! The Engine API handle: build → getPayload → newPayload → forkchoice; a second node validating
//! the same payload by full execution; tampered payloads refused with the Engine API status and
//! reason.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, FixedBytes, B256};
use alloy_rpc_types_engine::{
    ExecutionPayloadV3, ForkchoiceState, PayloadAttributes, PayloadStatusEnum,
};
use berapool_chainspec::{dev_accounts, ChainSpec};
use berapool_engine::{Blockchain, EngineError, EngineHandle};
use berapool_pool_precompiles::pool_state::{
    addresses::{FACTORY, WITHDRAWAL_VAULT},
    params::bera,
};
use berapool_txpool::TxQueue;
use common::{pool_registration, Chain};

fn node(dir: &std::path::Path) -> (EngineHandle, Arc<TxQueue>) {
    let queue = Arc::new(TxQueue::default());
    let chain = Blockchain::open(dir, ChainSpec::dev().unwrap()).unwrap();
    (EngineHandle::new(chain, queue.clone()), queue)
}

fn head(engine: &EngineHandle) -> (u64, B256) {
    {
        let h = engine.reader().head();
        (h.number(), h.hash)
    }
}

fn fcu(head: B256) -> ForkchoiceState {
    ForkchoiceState {
        head_block_hash: head,
        safe_block_hash: B256::ZERO,
        finalized_block_hash: B256::ZERO,
    }
}

/// The parent proposer every payload here names: the dev chain's genesis validator.
const PROPOSER: FixedBytes<48> = FixedBytes([0xde; 48]);

fn attributes(timestamp: u64) -> PayloadAttributes {
    PayloadAttributes {
        timestamp,
        prev_randao: B256::repeat_byte(0x42),
        suggested_fee_recipient: Address::repeat_byte(0xfe),
        withdrawals: Some(vec![Withdrawal {
            index: 0,
            validator_index: 9,
            address: WITHDRAWAL_VAULT,
            amount: 7,
        }]),
        parent_beacon_block_root: Some(B256::repeat_byte(0xbb)),
        slot_number: None,
        target_gas_limit: None,
    }
}

#[test]
fn a_block_goes_through_the_engine_api_and_a_second_node_validates_it() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, queue) = node(a_dir.path());
    let (b, _) = node(b_dir.path());
    let mut signer = Chain::dev();
    let (alice, key) = dev_accounts()[1];
    let deploy = pool_registration(alice);
    queue.push(signer.tx(key, Address::repeat_byte(1), bera(1), Vec::new()));
    queue.push(signer.tx(key, FACTORY, bera(10_000), deploy));

    let (_, genesis) = head(&a);
    let genesis_ts = a.reader().head().header.timestamp;
    let updated = a
        .fork_choice_updated_p11(
            fcu(genesis),
            Some(attributes(genesis_ts + 2)),
            Some(PROPOSER),
        )
        .unwrap();
    assert_eq!(updated.payload_status.status, PayloadStatusEnum::Valid);
    let id = updated.payload_id.unwrap();
    let envelope = a.get_payload_v4(id).unwrap();
    let payload = envelope.envelope_inner.execution_payload.clone();
    assert_eq!(payload.payload_inner.payload_inner.transactions.len(), 2);
    assert_eq!(payload.payload_inner.withdrawals.len(), 1);
    let hash = payload.payload_inner.payload_inner.block_hash;
    let requests = envelope.execution_requests.clone();

    // Node A: its own payload is valid, becomes the head on the forkchoice update.
    let status = a
        .new_payload_v4_p11(
            payload.clone(),
            Vec::new(),
            B256::repeat_byte(0xbb),
            requests.clone(),
            Some(PROPOSER),
        )
        .unwrap();
    assert_eq!(status.status, PayloadStatusEnum::Valid);
    assert_eq!(head(&a).0, 0, "not canonical before the forkchoice update");
    a.fork_choice_updated_v3(fcu(hash), None).unwrap();
    assert_eq!(head(&a), (1, hash));
    assert!(
        !a.has_pending_transactions(),
        "included transactions left the queue"
    );

    // Node B never saw it: full validation by execution, then the same head and state root.
    let status = b
        .new_payload_v4_p11(
            payload.clone(),
            Vec::new(),
            B256::repeat_byte(0xbb),
            requests.clone(),
            Some(PROPOSER),
        )
        .unwrap();
    assert_eq!(status.status, PayloadStatusEnum::Valid, "{status:?}");
    let forkchoice = ForkchoiceState {
        head_block_hash: hash,
        safe_block_hash: genesis,
        finalized_block_hash: genesis,
    };
    b.fork_choice_updated_v3(forkchoice, None).unwrap();
    assert_eq!(head(&b), (1, hash));
    let (root_a, root_b) = (
        a.reader().head().header.state_root,
        b.reader().head().header.state_root,
    );
    assert_eq!(root_a, root_b);
    assert_eq!(
        b.reader().store().safe_and_finalized().unwrap(),
        (genesis, genesis)
    );
}

/// Re-seals `payload` after `edit`, so that its block hash matches its (tampered) header.
fn reseal(
    payload: &ExecutionPayloadV3,
    requests: &alloy_eips::eip7685::Requests,
    edit: impl FnOnce(&mut alloy_consensus::Header),
) -> ExecutionPayloadV3 {
    let mut block = payload
        .clone()
        .try_into_block::<alloy_consensus::TxEnvelope>()
        .unwrap();
    block.header.parent_beacon_block_root = Some(B256::repeat_byte(0xbb));
    block.header.requests_hash = Some(requests.requests_hash());
    edit(&mut block.header);
    ExecutionPayloadV3::from_block_unchecked(block.header.hash_slow(), &block)
}

#[test]
fn tampered_payloads_are_refused_with_status_and_reason() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, queue) = node(a_dir.path());
    let (b, _) = node(b_dir.path());
    let mut signer = Chain::dev();
    let (_, key) = dev_accounts()[2];
    queue.push(signer.tx(key, Address::repeat_byte(1), bera(1), Vec::new()));
    let (_, genesis) = head(&a);
    let ts = a.reader().head().header.timestamp;
    let id = a
        .fork_choice_updated_p11(fcu(genesis), Some(attributes(ts + 2)), Some(PROPOSER))
        .unwrap()
        .payload_id
        .unwrap();
    let envelope = a.get_payload_v4(id).unwrap();
    let payload = envelope.envelope_inner.execution_payload;
    let requests = envelope.execution_requests;
    let send_as = |p: ExecutionPayloadV3, proposer: Option<FixedBytes<48>>| {
        b.new_payload_v4_p11(
            p,
            Vec::new(),
            B256::repeat_byte(0xbb),
            requests.clone(),
            proposer,
        )
        .unwrap()
    };
    let send = |p: ExecutionPayloadV3| send_as(p, Some(PROPOSER));
    let reason = |s: alloy_rpc_types_engine::PayloadStatus| match s.status {
        PayloadStatusEnum::Invalid { validation_error } => validation_error,
        other => panic!("expected INVALID, got {other:?}"),
    };

    // A wrong block hash.
    let mut wrong_hash = payload.clone();
    wrong_hash.payload_inner.payload_inner.block_hash = B256::repeat_byte(1);
    assert!(reason(send(wrong_hash)).contains("block hash mismatch"));
    // A wrong state root, consistently hashed: caught by execution.
    let wrong_root = reseal(&payload, &requests, |h| h.state_root = B256::repeat_byte(2));
    assert!(reason(send(wrong_root)).contains("state root mismatch"));
    // A timestamp not after the parent's.
    let wrong_time = reseal(&payload, &requests, |h| h.timestamp = ts);
    assert!(reason(send(wrong_time)).contains("timestamp"));
    // The chain runs PoL: a payload without its parent proposer is invalid.
    assert!(reason(send_as(payload.clone(), None)).contains("parent proposer"));
    // An unknown parent: the node cannot judge it yet.
    let orphan = reseal(&payload, &requests, |h| {
        h.parent_hash = B256::repeat_byte(3)
    });
    assert_eq!(send(orphan).status, PayloadStatusEnum::Syncing);
    // The honest payload still goes through.
    assert_eq!(send(payload).status, PayloadStatusEnum::Valid);

    // Other Engine errors.
    assert_eq!(
        a.get_payload_v4(alloy_rpc_types_engine::PayloadId::new([9; 8]))
            .unwrap_err()
            .code(),
        -38001
    );
    let stale = a
        .fork_choice_updated_p11(fcu(genesis), Some(attributes(ts)), Some(PROPOSER))
        .unwrap_err();
    assert!(
        matches!(stale, EngineError::InvalidPayloadAttributes(_)),
        "{stale}"
    );
    let no_proposer = a
        .fork_choice_updated_v3(fcu(genesis), Some(attributes(ts + 4)))
        .unwrap_err();
    assert!(
        no_proposer.to_string().contains("parentProposerPubKey"),
        "{no_proposer}"
    );
    let stale = a
        .fork_choice_updated_p11(fcu(genesis), Some(attributes(ts)), Some(PROPOSER))
        .unwrap_err();
    assert!(
        matches!(stale, EngineError::InvalidPayloadAttributes(_)),
        "{stale}"
    );
    let unknown = a
        .fork_choice_updated_v3(fcu(B256::repeat_byte(7)), None)
        .unwrap();
    assert_eq!(unknown.payload_status.status, PayloadStatusEnum::Syncing);
}
