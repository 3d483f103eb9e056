//! The dev consensus layer's HTTP API: BeaconKit's proof endpoints (`/bkit/v1/proof/…`, same
//! paths, parameters, response shapes and errors) and the few standard Beacon API reads a pool
//! operator or the oracle feeder needs (`/eth/v1/beacon/…`).

use std::{net::SocketAddr, sync::Arc};

use alloy_primitives::hex;
use serde_json::{json, Value};

use berapool_beacon::state::{BeaconBlockHeader, BeaconState, BlsPubkey, ValidatorField};
use berapool_engine::ChainReader;
use berapool_http::{self as http, Response};

use crate::beacon_chain::{validator_status, BeaconHandle, StateId};

/// The proof of the state's `eth1_deposit_index`, served under `/berapool/v1/proof/`.
const DEPOSIT_INDEX: &str = "eth1_deposit_index";

/// Validator indices must be below this (BeaconKit's `validateValidatorIndexBound`).
const VALIDATOR_INDEX_LIMIT: u64 = 1 << 40;

/// Serves the API on `addr`; returns the bound address. A block that is already the head but
/// not imported into the beacon chain yet is imported first, so a client that saw a new head
/// can ask for its proofs at once.
pub async fn serve(
    addr: SocketAddr,
    beacon: BeaconHandle,
    chain: ChainReader,
) -> std::io::Result<SocketAddr> {
    http::serve(
        addr,
        Arc::new(move |path: &str| {
            if let Err(error) = beacon.sync(&chain) {
                return self::error(500, error);
            }
            route(&beacon, path)
        }),
    )
    .await
}

/// An error in BeaconKit's shape.
fn error(status: u16, message: impl std::fmt::Display) -> Response {
    Response::json(
        status,
        json!({ "code": status, "message": message.to_string() }).to_string(),
    )
}

/// Answers one GET.
pub fn route(beacon: &BeaconHandle, path: &str) -> Response {
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["bkit", "v1", "proof", kind, timestamp_id, rest @ ..] if *kind != DEPOSIT_INDEX => {
            proof(beacon, kind, timestamp_id, rest)
        }
        // Not a BeaconKit endpoint: the feeder proves in-flight deposits with it (docs/devnet.md).
        ["berapool", "v1", "proof", DEPOSIT_INDEX, timestamp_id] => {
            proof(beacon, DEPOSIT_INDEX, timestamp_id, &[])
        }
        ["eth", "v1", "beacon", "genesis"] => beacon.read(|chain| {
            let genesis = chain.state(StateId::Genesis).unwrap_or_default();
            let data = json!({
                "genesis_time": genesis.latest_execution_payload_header.timestamp.to_string(),
                "genesis_validators_root": genesis.genesis_validators_root,
                "genesis_fork_version": format!("0x{}", hex::encode(genesis.fork.current_version)),
            });
            Response::json(200, json!({ "data": data }).to_string())
        }),
        ["eth", "v1", "beacon", "states", state_id, rest @ ..] => {
            let id = match beacon_state_id(state_id) {
                Ok(id) => id,
                Err(message) => return error(400, message),
            };
            let state = match beacon.read(|chain| chain.state(id)) {
                Ok(state) => state,
                Err(e) => return error(404, e),
            };
            let epoch = beacon.read(|chain| chain.spec().epoch(state.slot));
            match rest {
                ["validators"] => {
                    let data: Vec<Value> = (0..state.validators.len() as u64)
                        .map(|i| validator_json(&state, i, epoch))
                        .collect();
                    Response::json(200, json!({ "data": data }).to_string())
                }
                ["validators", id] => match validator_id(&state, id) {
                    Some(i) => Response::json(
                        200,
                        json!({ "data": validator_json(&state, i, epoch) }).to_string(),
                    ),
                    None => error(404, format!("validator {id} not found")),
                },
                ["pending_partial_withdrawals"] => {
                    let data: Vec<Value> = state
                        .pending_partial_withdrawals
                        .iter()
                        .map(|p| {
                            json!({
                                "validator_index": p.validator_index.to_string(),
                                "amount": p.amount.to_string(),
                                "withdrawable_epoch": p.withdrawable_epoch.to_string(),
                            })
                        })
                        .collect();
                    Response::json(200, json!({ "data": data }).to_string())
                }
                ["root"] => {
                    Response::json(200, json!({ "data": { "root": state.root() } }).to_string())
                }
                _ => error(404, "not found"),
            }
        }
        _ => error(404, "not found"),
    }
}

/// A state or timestamp id that names no state.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum StateIdError {
    /// `t…` without a number of seconds.
    #[error("invalid timestamp id `{0}`")]
    Timestamp(String),
    /// Digits that are not a `u64`.
    #[error("invalid slot `{0}`")]
    Slot(String),
    /// None of the forms.
    #[error("invalid timestamp id `{0}`: use t<unix seconds>, a decimal slot, head, finalized, justified or genesis")]
    Unknown(String),
    /// `t…` where the Beacon API takes a state id.
    #[error("invalid state id `{0}`")]
    State(String),
}

/// BeaconKit's `timestamp_id`: `t<unix seconds>` (the parent of the block with that
/// timestamp), a decimal slot, `head`/`finalized`/`justified` or `genesis`.
fn timestamp_id(text: &str) -> Result<StateId, StateIdError> {
    match text {
        "head" | "finalized" | "justified" => Ok(StateId::Head),
        "genesis" => Ok(StateId::Genesis),
        _ => {
            if let Some(ts) = text.strip_prefix('t') {
                return ts
                    .parse()
                    .map(StateId::ParentOfTimestamp)
                    .map_err(|_| StateIdError::Timestamp(text.to_owned()));
            }
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return text
                    .parse()
                    .map(StateId::Slot)
                    .map_err(|_| StateIdError::Slot(text.to_owned()));
            }
            Err(StateIdError::Unknown(text.to_owned()))
        }
    }
}

/// The Beacon API's `state_id` (no `t<…>` form there).
fn beacon_state_id(text: &str) -> Result<StateId, StateIdError> {
    match timestamp_id(text)? {
        StateId::ParentOfTimestamp(_) => Err(StateIdError::State(text.to_owned())),
        id => Ok(id),
    }
}

fn u64_hex(value: u64) -> String {
    format!("0x{value:x}")
}

fn header_json(header: &BeaconBlockHeader) -> Value {
    json!({
        "slot": u64_hex(header.slot),
        "proposer_index": u64_hex(header.proposer_index),
        "parent_block_root": header.parent_root,
        "state_root": header.state_root,
        "body_root": header.body_root,
    })
}

fn proof(beacon: &BeaconHandle, kind: &str, timestamp: &str, rest: &[&str]) -> Response {
    let id = match timestamp_id(timestamp) {
        Ok(id) => id,
        Err(message) => return error(400, message),
    };
    let index = match (kind, rest) {
        ("block_proposer" | DEPOSIT_INDEX, []) => None,
        ("validator_pubkey" | "validator_credentials" | "validator_balance", [index]) => {
            match index.parse::<u64>() {
                Ok(i) if i < VALIDATOR_INDEX_LIMIT => Some(i),
                _ => return error(400, format!("invalid validator index `{index}`")),
            }
        }
        _ => return error(404, "not found"),
    };
    let state = match beacon.read(|chain| chain.state(id)) {
        Ok(state) => state,
        Err(e) => return error(500, e),
    };
    let header = state.sealed_header();
    let root = header.root();
    let mut body = json!({
        "beacon_block_header": header_json(&header),
        "beacon_block_root": root,
    });
    let out_of_range = |i: u64| {
        error(
            500,
            format!(
                "validator index {i} out of range: {} validators",
                state.validators.len()
            ),
        )
    };
    let fields = match (kind, index) {
        ("block_proposer", _) => {
            let proposer = header.proposer_index;
            let Some(v) = state.validators.get(proposer as usize) else {
                return out_of_range(proposer);
            };
            json!({
                "validator_pubkey": v.pubkey,
                "validator_pubkey_proof": state.validator_field_proof(proposer, ValidatorField::Pubkey),
                "proposer_index_proof": state.proposer_index_proof(),
            })
        }
        ("validator_pubkey", Some(i)) => {
            match state.validator_field_proof(i, ValidatorField::Pubkey) {
                Some(proof) => json!({
                    "validator_pubkey": state.validators[i as usize].pubkey,
                    "validator_pubkey_proof": proof,
                }),
                None => return out_of_range(i),
            }
        }
        ("validator_credentials", Some(i)) => {
            match state.validator_field_proof(i, ValidatorField::Credentials) {
                Some(proof) => json!({
                    "validator_withdrawal_credentials": state.validators[i as usize].withdrawal_credentials,
                    "withdrawal_credentials_proof": proof,
                }),
                None => return out_of_range(i),
            }
        }
        (DEPOSIT_INDEX, _) => json!({
            "eth1_deposit_index": u64_hex(state.eth1_deposit_index),
            "eth1_deposit_index_proof": state.eth1_deposit_index_proof(),
        }),
        ("validator_balance", Some(i)) => match state.balance_proof(i) {
            Some((leaf, proof)) => json!({
                "validator_balance": u64_hex(state.balances[i as usize]),
                "balance_leaf": leaf,
                "balance_proof": proof,
            }),
            None => return out_of_range(i),
        },
        _ => return error(404, "not found"),
    };
    if let (Value::Object(body), Value::Object(fields)) = (&mut body, fields) {
        body.extend(fields);
    }
    Response::json(200, body.to_string())
}

fn validator_id(state: &BeaconState, id: &str) -> Option<u64> {
    if let Some(hex_key) = id.strip_prefix("0x") {
        let bytes = hex::decode(hex_key).ok()?;
        let pubkey = BlsPubkey::try_from(bytes.as_slice()).ok()?;
        return state.validator_index(&pubkey);
    }
    let index: u64 = id.parse().ok()?;
    (index < state.validators.len() as u64).then_some(index)
}

fn validator_json(state: &BeaconState, index: u64, epoch: u64) -> Value {
    let v = &state.validators[index as usize];
    let balance = state.balances[index as usize];
    json!({
        "index": index.to_string(),
        "balance": balance.to_string(),
        "status": validator_status(v, balance, epoch),
        "validator": {
            "pubkey": v.pubkey,
            "withdrawal_credentials": v.withdrawal_credentials,
            "effective_balance": v.effective_balance.to_string(),
            "slashed": v.slashed,
            "activation_eligibility_epoch": v.activation_eligibility_epoch.to_string(),
            "activation_epoch": v.activation_epoch.to_string(),
            "exit_epoch": v.exit_epoch.to_string(),
            "withdrawable_epoch": v.withdrawable_epoch.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_ids_follow_beacon_kit() {
        assert_eq!(
            timestamp_id("t1728681738"),
            Ok(StateId::ParentOfTimestamp(1728681738))
        );
        assert_eq!(timestamp_id("123"), Ok(StateId::Slot(123)));
        assert_eq!(timestamp_id("finalized"), Ok(StateId::Head));
        assert_eq!(timestamp_id("genesis"), Ok(StateId::Genesis));
        assert!(timestamp_id("0x10").is_err());
        assert!(timestamp_id("t").is_err());
        assert!(beacon_state_id("t5").is_err());
    }
}
