//! The pool system's keepers, clients of any berapool node: the oracle feeder (this module),
//! which proves pool validators' consensus-layer balances to the pool system, and the
//! [`incentives`] bot.
//!
//! Each round it reads the head block (timestamp `T`), lists the validators of the beacon state
//! a proof "as of `T`" is against, and for every validator whose credentials are the pools'
//! withdrawal vault:
//! - activates its pool (`activateStakingPool`) if the pool is registered but not active yet;
//! - otherwise reports its balance (`AccountingOracle.updateTotalDeposits`).
//!
//! Proofs come from a BeaconKit-compatible proof API (`/bkit/v1/proof/…`). Each one is checked
//! against the EIP-4788 root stored for `T` and then simulated with `eth_estimateGas` before it
//! is sent, so a balance that cannot be proven is never submitted; a failure is logged with its
//! reason and retried with fresh proofs. A submission that leaves the node's pool unmined is
//! sent again with fresh proofs; one still unmined after [`OracleConfig::resend_after`] is
//! replaced at the same nonce with fees a quarter higher, so a feeder is never stuck behind
//! its own underpriced transaction.
//!
//! A client only: it depends on the pool precompiles' ABI and SSZ verifier and on `berapool-http`,
//! not on the node, so it runs against any berapool node.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use berapool_pool_precompiles::{
    abi::{
        IAccountingOracle, IStakingPool,
        IStakingPoolContractsFactory::{self as F},
    },
    pool_state::addresses::{
        pool_withdrawal_credentials, ACCOUNTING_ORACLE, BEACON_ROOTS, FACTORY,
    },
    ssz,
};
use jsonrpsee::rpc_params;
use serde_json::Value;

mod account;
pub mod incentives;

use account::{Account, Pending};
use berapool_http::{self as http, HttpError};
use jsonrpsee::core::client::Error as ClientError;

/// How the feeder runs.
#[derive(Clone, Debug)]
pub struct OracleConfig {
    /// JSON-RPC URL of the execution node.
    pub rpc: String,
    /// URL of the proof API (`http://host:port`).
    pub beacon: String,
    /// Key of an account holding `FEEDER_ROLE`.
    pub key: B256,
    /// Time between rounds.
    pub interval: Duration,
    /// How long a submission may stay unmined before it is replaced at a higher fee.
    pub resend_after: Duration,
}

/// The default [`OracleConfig::resend_after`]: a few rounds at the default interval.
pub const DEFAULT_RESEND_AFTER: Duration = Duration::from_secs(60);

/// A submission sent and not yet seen mined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submission {
    /// Its hash.
    pub hash: B256,
    /// Its nonce, which a replacement reuses.
    pub nonce: u64,
    /// Its fee cap and tip, which a replacement raises.
    pub max_fee_per_gas: u128,
    /// See `max_fee_per_gas`.
    pub max_priority_fee_per_gas: u128,
    /// When it was sent.
    pub sent: Instant,
}

/// A fee a quarter above `fee`: more than the 10 % a pool needs to replace a transaction.
fn bumped(fee: u128) -> u128 {
    fee.saturating_add(fee / 4).saturating_add(1)
}

/// Why a round or a submission failed.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    /// The feeder key is not a valid secp256k1 key.
    #[error("invalid feeder key")]
    Key,
    /// The JSON-RPC URL cannot be used.
    #[error("JSON-RPC client: {0}")]
    Connect(ClientError),
    /// A JSON-RPC call failed.
    #[error("JSON-RPC {method}: {source}")]
    Rpc {
        /// Method.
        method: &'static str,
        /// What went wrong.
        source: ClientError,
    },
    /// The simulation of a submission failed (a revert names the pool system's error when it
    /// is one of the factory's).
    #[error("JSON-RPC eth_estimateGas: {source}{}", custom_error.as_ref().map(|e| format!(" ({e:?})")).unwrap_or_default())]
    Simulation {
        /// What the node answered.
        source: ClientError,
        /// The factory's custom error in the revert data, if it is one.
        custom_error: Option<F::IStakingPoolContractsFactoryErrors>,
    },
    /// The proof API failed.
    #[error("beacon API {url}: {source}")]
    Beacon {
        /// The request.
        url: String,
        /// What went wrong.
        source: BeaconError,
    },
    /// A response lacked a field or had a malformed one.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The proof does not hash to the beacon root the chain stored for its timestamp.
    #[error("proof does not match the beacon root stored for timestamp {0}")]
    ProofMismatch(u64),
}

/// Why a proof API request failed.
#[derive(Debug, thiserror::Error)]
pub enum BeaconError {
    /// No answer, or not HTTP.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The body is not JSON.
    #[error("response is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The API answered with an error.
    #[error("{status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The API's message.
        message: String,
    },
}

fn rpc_error(method: &'static str) -> impl Fn(ClientError) -> OracleError {
    move |source| OracleError::Rpc { method, source }
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Pools activated (transaction hashes).
    pub activations: Vec<B256>,
    /// Balances reported (transaction hashes).
    pub reports: Vec<B256>,
    /// Submissions not sent, with why.
    pub skipped: Vec<String>,
}

/// A pool validator seen in the beacon state.
#[derive(Clone, Debug)]
struct PoolValidator {
    index: u64,
    pubkey: Bytes,
}

/// The feeder.
#[derive(Debug)]
pub struct Feeder {
    account: Account,
    beacon: String,
    /// The last transaction sent per validator, until it is mined.
    in_flight: HashMap<u64, Submission>,
    resend_after: Duration,
}

impl Feeder {
    /// A feeder for `config`.
    pub fn new(config: &OracleConfig) -> Result<Self, OracleError> {
        Ok(Self {
            account: Account::new(&config.rpc, &config.key)?,
            beacon: config.beacon.trim_end_matches('/').to_string(),
            in_flight: HashMap::new(),
            resend_after: config.resend_after,
        })
    }

    /// The feeder's account.
    pub fn address(&self) -> Address {
        self.account.address()
    }

    async fn beacon_get(&self, path: &str) -> Result<Value, OracleError> {
        let url = format!("{}{path}", self.beacon);
        let answer = async {
            let (status, body) = http::get(&url, Duration::from_secs(20)).await?;
            if status != 200 {
                let value: Value = serde_json::from_str(&body).unwrap_or_default();
                let message = value["message"].as_str().unwrap_or(&body).to_string();
                return Err(BeaconError::Status { status, message });
            }
            Ok(serde_json::from_str(&body)?)
        };
        answer
            .await
            .map_err(|source| OracleError::Beacon { url, source })
    }

    /// The `eth1_deposit_index` of the state a proof at `timestamp` is against, and its proof,
    /// checked against `root`; `None` when the proof API does not serve it (404).
    async fn deposit_index_proof(
        &self,
        timestamp: u64,
        root: B256,
    ) -> Result<Option<(u64, Vec<B256>)>, OracleError> {
        let path = format!("/berapool/v1/proof/eth1_deposit_index/t{timestamp}");
        let answer = match self.beacon_get(&path).await {
            Ok(answer) => answer,
            Err(OracleError::Beacon {
                source: BeaconError::Status { status: 404, .. },
                ..
            }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let index = quantity(&answer["eth1_deposit_index"])
            .ok_or(OracleError::Malformed("eth1_deposit_index"))?;
        let proof = roots(&answer["eth1_deposit_index_proof"])?;
        let leaf = ssz::deposit_index_leaf(index);
        if ssz::verify(&proof, root, leaf, ssz::ETH1_DEPOSIT_INDEX_GINDEX) != Ok(true) {
            return Err(OracleError::ProofMismatch(timestamp));
        }
        Ok(Some((index, proof)))
    }

    /// One round over every pool validator; errors of one pool do not stop the others.
    pub async fn round(&mut self) -> Result<RoundReport, OracleError> {
        let mut report = RoundReport::default();
        let head = self
            .account
            .call_rpc("eth_getBlockByNumber", rpc_params!["latest", false])
            .await?;
        let number = quantity(&head["number"]).ok_or(OracleError::Malformed("block number"))?;
        let timestamp =
            quantity(&head["timestamp"]).ok_or(OracleError::Malformed("block timestamp"))?;
        if number == 0 {
            return Ok(report);
        }
        // The proof "as of" the head's timestamp is against the state after its parent.
        let validators = self
            .beacon_get(&format!("/eth/v1/beacon/states/{}/validators", number - 1))
            .await?;
        let pool_credentials = pool_withdrawal_credentials();
        let pool_validators: Vec<PoolValidator> = validators["data"]
            .as_array()
            .ok_or(OracleError::Malformed("validators"))?
            .iter()
            .filter(|v| {
                v["validator"]["withdrawal_credentials"]
                    .as_str()
                    .and_then(|c| c.parse::<B256>().ok())
                    == Some(pool_credentials)
            })
            .filter_map(|v| {
                Some(PoolValidator {
                    index: v["index"].as_str()?.parse().ok()?,
                    pubkey: v["validator"]["pubkey"].as_str()?.parse().ok()?,
                })
            })
            .collect();
        for validator in pool_validators {
            match self.serve_validator(&validator, timestamp).await {
                Ok(Some((activation, submission))) => {
                    self.in_flight.insert(validator.index, submission);
                    if activation {
                        report.activations.push(submission.hash);
                    } else {
                        report.reports.push(submission.hash);
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(target: "berapool::oracle", index = validator.index, %error, "not submitted; retrying with fresh proofs next round");
                    report
                        .skipped
                        .push(format!("validator {}: {error}", validator.index));
                }
            }
        }
        Ok(report)
    }

    /// Activates or reports one validator's pool; `Some((is_activation, submission))` if sent.
    async fn serve_validator(
        &mut self,
        validator: &PoolValidator,
        timestamp: u64,
    ) -> Result<Option<(bool, Submission)>, OracleError> {
        let mut replacing = None;
        if let Some(submission) = self.in_flight.get(&validator.index).copied() {
            let hash = submission.hash;
            match self.account.status(&submission).await? {
                Pending::Mined { success } => {
                    if !success {
                        tracing::warn!(target: "berapool::oracle", index = validator.index, %hash, "submission reverted on chain; sending fresh proofs");
                    }
                    self.in_flight.remove(&validator.index);
                }
                Pending::Dropped => {
                    tracing::warn!(target: "berapool::oracle", index = validator.index, %hash, "submission left the pool unmined; sending fresh proofs");
                    self.in_flight.remove(&validator.index);
                }
                Pending::Waiting if submission.sent.elapsed() < self.resend_after => {
                    return Ok(None)
                }
                Pending::Waiting => {
                    tracing::warn!(target: "berapool::oracle", index = validator.index, %hash, waited = ?submission.sent.elapsed(), "submission unmined; replacing it at a higher fee");
                    replacing = Some(submission);
                }
            }
        }
        let core = self
            .account
            .eth_call(
                FACTORY,
                F::getCoreContractsCall {
                    pubkey: validator.pubkey.clone(),
                }
                .abi_encode(),
            )
            .await;
        // Deposits with the vault's credentials but no registered pool are not ours to feed.
        let Ok(core) = core else { return Ok(None) };
        let Ok(core) = F::getCoreContractsCall::abi_decode_returns(&core) else {
            return Ok(None);
        };
        let pool = core.stakingPool;
        let active = self
            .account
            .eth_call(pool, IStakingPool::isActiveCall {}.abi_encode())
            .await?;
        let exited = self
            .account
            .eth_call(pool, IStakingPool::isFullyExitedCall {}.abi_encode())
            .await?;
        if exited.last() == Some(&1) {
            return Ok(None);
        }
        let is_active = active.last() == Some(&1);
        let root = self.beacon_root(timestamp).await?;
        let t = format!("t{timestamp}");
        let i = validator.index;
        let pubkey = self
            .beacon_get(&format!("/bkit/v1/proof/validator_pubkey/{t}/{i}"))
            .await?;
        let balance = self
            .beacon_get(&format!("/bkit/v1/proof/validator_balance/{t}/{i}"))
            .await?;
        let pubkey_proof = roots(&pubkey["validator_pubkey_proof"])?;
        let balance_proof = roots(&balance["balance_proof"])?;
        let leaf = balance["balance_leaf"]
            .as_str()
            .and_then(|s| s.parse::<B256>().ok())
            .ok_or(OracleError::Malformed("balance leaf"))?;
        let gwei =
            quantity(&balance["validator_balance"]).ok_or(OracleError::Malformed("balance"))?;
        let pubkey_bytes: [u8; 48] = validator
            .pubkey
            .as_ref()
            .try_into()
            .map_err(|_| OracleError::Malformed("pubkey"))?;
        // Checked here first so a mismatch is named, not just a revert.
        let proven = ssz::verify(
            &pubkey_proof,
            root,
            ssz::pubkey_leaf(&pubkey_bytes),
            ssz::ZERO_VALIDATOR_PUBKEY_GINDEX + 8 * i,
        ) == Ok(true)
            && ssz::verify(
                &balance_proof,
                root,
                leaf,
                ssz::ZERO_VALIDATOR_BALANCE_GINDEX + i / 4,
            ) == Ok(true)
            && ssz::balance_in_leaf(&leaf, i) == gwei;
        if !proven {
            return Err(OracleError::ProofMismatch(timestamp));
        }
        let (to, data) = if is_active {
            let data = match self.deposit_index_proof(timestamp, root).await? {
                // Exact with deposits in flight (berapool's extension).
                Some((deposit_index, proof)) => {
                    IAccountingOracle::updateTotalDepositsWithDepositIndexCall {
                        pubkey: validator.pubkey.clone(),
                        pubkeyProof: pubkey_proof,
                        balance: gwei,
                        balancesLeaf: leaf,
                        balanceProof: balance_proof,
                        validatorIndex: i,
                        timestamp,
                        depositIndex: deposit_index,
                        depositIndexProof: proof,
                    }
                    .abi_encode()
                }
                // A proof API that cannot prove it (BeaconKit's): the official report.
                None => IAccountingOracle::updateTotalDepositsCall {
                    pubkey: validator.pubkey.clone(),
                    pubkeyProof: pubkey_proof,
                    balance: gwei,
                    balancesLeaf: leaf,
                    balanceProof: balance_proof,
                    validatorIndex: i,
                    timestamp,
                }
                .abi_encode(),
            };
            (ACCOUNTING_ORACLE, data)
        } else {
            let credentials = self
                .beacon_get(&format!("/bkit/v1/proof/validator_credentials/{t}/{i}"))
                .await?;
            let call = F::activateStakingPoolCall {
                validatorData: F::ValidatorData {
                    pubkey: validator.pubkey.clone(),
                    withdrawalCredentials: Bytes::copy_from_slice(
                        pool_withdrawal_credentials().as_slice(),
                    ),
                    initialDepositAmount: gwei,
                    validatorIndex: i,
                },
                proofData: F::ProofData {
                    pubkeyProof: pubkey_proof,
                    withdrawalCredentialsProof: roots(
                        &credentials["withdrawal_credentials_proof"],
                    )?,
                    initialDepositProof: balance_proof,
                    initialDepositProofLeaf: leaf,
                },
                timestamp,
            };
            (FACTORY, call.abi_encode())
        };
        let submission = self.account.send(to, data, replacing.as_ref()).await?;
        let hash = submission.hash;
        if is_active {
            tracing::info!(target: "berapool::oracle", index = i, balance_gwei = gwei, timestamp, %hash, "balance reported");
        } else {
            tracing::info!(target: "berapool::oracle", index = i, balance_gwei = gwei, timestamp, %hash, "pool activation sent");
        }
        Ok(Some((!is_active, submission)))
    }

    /// The EIP-4788 root stored for `timestamp`.
    async fn beacon_root(&self, timestamp: u64) -> Result<B256, OracleError> {
        let word = self
            .account
            .eth_call(
                BEACON_ROOTS,
                U256::from(timestamp).to_be_bytes::<32>().to_vec(),
            )
            .await?;
        B256::try_from(word.as_ref()).map_err(|_| OracleError::Malformed("beacon root"))
    }
}

/// The factory's custom error in the revert data of a failed call, if it is one.
fn factory_error(error: &ClientError) -> Option<F::IStakingPoolContractsFactoryErrors> {
    use alloy_sol_types::SolInterface;
    let ClientError::Call(object) = error else {
        return None;
    };
    let data: Bytes = serde_json::from_str(object.data()?.get()).ok()?;
    F::IStakingPoolContractsFactoryErrors::abi_decode(&data).ok()
}

fn quantity(value: &Value) -> Option<u64> {
    let text = value.as_str()?;
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn roots(value: &Value) -> Result<Vec<B256>, OracleError> {
    value
        .as_array()
        .ok_or(OracleError::Malformed("proof"))?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or(OracleError::Malformed("proof node"))
        })
        .collect()
}

/// Runs rounds every `config.interval` until `shutdown` is set.
pub async fn run(config: OracleConfig, shutdown: Arc<AtomicBool>) -> Result<(), OracleError> {
    let mut feeder = Feeder::new(&config)?;
    tracing::info!(target: "berapool::oracle", feeder = %feeder.address(), rpc = %config.rpc, beacon = %config.beacon, interval = ?config.interval, "oracle feeder started");
    while !shutdown.load(Ordering::Relaxed) {
        match feeder.round().await {
            Ok(report) if !report.activations.is_empty() || !report.reports.is_empty() => {
                tracing::debug!(target: "berapool::oracle", ?report, "round");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(target: "berapool::oracle", %error, "round failed"),
        }
        pause(config.interval, &shutdown).await;
    }
    Ok(())
}

/// Sleeps `interval`, or less when `shutdown` is set meanwhile.
pub(crate) async fn pause(interval: Duration, shutdown: &AtomicBool) {
    let mut slept = Duration::ZERO;
    let step = Duration::from_millis(100);
    while slept < interval && !shutdown.load(Ordering::Relaxed) {
        tokio::time::sleep(step.min(interval - slept)).await;
        slept += step;
    }
}

#[cfg(test)]
mod tests {
    use super::bumped;

    #[test]
    fn a_replacement_pays_more_than_the_pools_ten_percent() {
        for fee in [0u128, 1, 9, 1_000_000_000, u128::MAX / 2] {
            assert!(bumped(fee) > fee + fee / 10, "{fee}");
        }
        assert_eq!(bumped(u128::MAX), u128::MAX);
    }
}
