//! The incentive bot: the routine Proof-of-Liquidity chores of every pool, done by anyone's
//! account because none of them needs a role.
//!
//! Each round it learns the pools from the factory's `StakingPoolContractsDeployed` logs and the
//! ERC-20 tokens sent to their SmartOperators from `Transfer` logs, then for every pool:
//! - moves the commission tokens (any token but WBERA) its SmartOperator holds to its
//!   IncentiveCollector (`moveERC20ToIncentiveCollector`), where the auction sells them;
//! - activates its queued BeraChef commission once `commissionChangeDelay` blocks have passed
//!   (`activateQueuedValCommission`).
//!
//! Every action is simulated before it is sent and logged with its reason; one that fails is
//! logged and tried again next round, and one left unmined is replaced at a higher fee, as the
//! oracle feeder does. Boost activation (BGT) is not built.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use berapool_pool_precompiles::{
    abi::{IBeraChef, ISmartOperator, IStakingPool, IStakingPoolContractsFactory as F, IWBERA},
    pool_state::addresses::{BERA_CHEF, FACTORY, WBERA},
};
use jsonrpsee::rpc_params;
use serde_json::Value;

use crate::{
    account::{Account, Pending},
    pause, quantity, OracleError, Submission, DEFAULT_RESEND_AFTER,
};

/// How the bot runs.
#[derive(Clone, Debug)]
pub struct IncentiveConfig {
    /// JSON-RPC URL of the execution node.
    pub rpc: String,
    /// Key of the account that pays for the bot's transactions (no role needed).
    pub key: B256,
    /// Time between rounds.
    pub interval: Duration,
}

/// Blocks per `eth_getLogs` request, under the node's range limits.
const LOG_RANGE: u64 = 5_000;

/// One pool, as the factory announced it.
#[derive(Clone, Debug)]
struct Pool {
    pubkey: Bytes,
    smart_operator: Address,
}

/// A chore, by pool and kind: at most one submission of each is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chore {
    ForwardTokens(Address),
    ActivateCommission(Address),
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChoreReport {
    /// Token forwards sent (transaction hashes).
    pub forwarded: Vec<B256>,
    /// Commission activations sent (transaction hashes).
    pub activated: Vec<B256>,
    /// Chores not sent, with why.
    pub skipped: Vec<String>,
}

/// The bot.
#[derive(Debug)]
pub struct IncentiveBot {
    account: Account,
    /// The first block whose logs are not read yet.
    next_block: u64,
    pools: Vec<Pool>,
    /// Tokens ever sent to each SmartOperator.
    tokens: BTreeMap<Address, BTreeSet<Address>>,
    in_flight: BTreeMap<Chore, Submission>,
}

impl IncentiveBot {
    /// A bot for `config`.
    pub fn new(config: &IncentiveConfig) -> Result<Self, OracleError> {
        Ok(Self {
            account: Account::new(&config.rpc, &config.key)?,
            next_block: 0,
            pools: Vec::new(),
            tokens: BTreeMap::new(),
            in_flight: BTreeMap::new(),
        })
    }

    /// The bot's account.
    pub fn address(&self) -> Address {
        self.account.address()
    }

    /// One round: new logs, then every pool's chores; one pool's failure does not stop the
    /// others.
    pub async fn round(&mut self) -> Result<ChoreReport, OracleError> {
        let head = quantity(
            &self
                .account
                .call_rpc("eth_blockNumber", rpc_params![])
                .await?,
        )
        .ok_or(OracleError::Malformed("block number"))?;
        self.read_logs(head).await?;
        let mut report = ChoreReport::default();
        for pool in self.pools.clone() {
            match self.forward_tokens(&pool).await {
                Ok(Some(hash)) => report.forwarded.push(hash),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(target: "berapool::incentives", operator = %pool.smart_operator, %error, "token forward not sent; retrying next round");
                    report
                        .skipped
                        .push(format!("forward for {}: {error}", pool.smart_operator));
                }
            }
            match self.activate_commission(&pool, head).await {
                Ok(Some(hash)) => report.activated.push(hash),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(target: "berapool::incentives", pubkey = %pool.pubkey, %error, "commission activation not sent; retrying next round");
                    report
                        .skipped
                        .push(format!("commission of {}: {error}", pool.pubkey));
                }
            }
        }
        Ok(report)
    }

    /// Reads the factory's and the tokens' logs from `next_block` to `head`.
    async fn read_logs(&mut self, head: u64) -> Result<(), OracleError> {
        while self.next_block <= head {
            let to = head.min(self.next_block + LOG_RANGE - 1);
            let range = (format!("{:#x}", self.next_block), format!("{to:#x}"));
            let deployed = self
                .logs(serde_json::json!({
                    "address": FACTORY, "fromBlock": range.0, "toBlock": range.1,
                    "topics": [F::StakingPoolContractsDeployed::SIGNATURE_HASH],
                }))
                .await?;
            for log in deployed {
                let data = bytes(&log["data"])?;
                let event = F::StakingPoolContractsDeployed::abi_decode_data(&data)
                    .map_err(|_| OracleError::Malformed("StakingPoolContractsDeployed"))?;
                let (smart_operator, staking_pool) = (event.0, event.1);
                let pubkey = self
                    .account
                    .eth_call(
                        staking_pool,
                        IStakingPool::getValidatorPubkeyCall {}.abi_encode(),
                    )
                    .await?;
                let pubkey = IStakingPool::getValidatorPubkeyCall::abi_decode_returns(&pubkey)
                    .map_err(|_| OracleError::Malformed("validator pubkey"))?;
                tracing::info!(target: "berapool::incentives", %pubkey, %smart_operator, "pool found");
                self.pools.push(Pool {
                    pubkey,
                    smart_operator,
                });
            }
            if !self.pools.is_empty() {
                let operators: Vec<B256> = self
                    .pools
                    .iter()
                    .map(|p| p.smart_operator.into_word())
                    .collect();
                let transfers = self
                    .logs(serde_json::json!({
                        "fromBlock": range.0, "toBlock": range.1,
                        "topics": [IWBERA::Transfer::SIGNATURE_HASH, null, operators],
                    }))
                    .await?;
                for log in transfers {
                    let token: Address = serde_json::from_value(log["address"].clone())
                        .map_err(|_| OracleError::Malformed("log address"))?;
                    let to: B256 = serde_json::from_value(log["topics"][2].clone())
                        .map_err(|_| OracleError::Malformed("log topic"))?;
                    self.tokens
                        .entry(Address::from_word(to))
                        .or_default()
                        .insert(token);
                }
            }
            self.next_block = to + 1;
        }
        Ok(())
    }

    async fn logs(&self, filter: Value) -> Result<Vec<Value>, OracleError> {
        let logs = self
            .account
            .call_rpc("eth_getLogs", rpc_params![filter])
            .await?;
        logs.as_array()
            .cloned()
            .ok_or(OracleError::Malformed("logs"))
    }

    /// Whether a chore may be sent now: nothing of it in flight, or what is in flight is mined,
    /// dropped, or stuck (then it is replaced).
    async fn ready(&mut self, chore: Chore) -> Result<Option<Option<Submission>>, OracleError> {
        let Some(submission) = self.in_flight.get(&chore).copied() else {
            return Ok(Some(None));
        };
        Ok(match self.account.status(&submission).await? {
            Pending::Mined { .. } | Pending::Dropped => {
                self.in_flight.remove(&chore);
                Some(None)
            }
            Pending::Waiting if submission.sent.elapsed() < DEFAULT_RESEND_AFTER => None,
            Pending::Waiting => Some(Some(submission)),
        })
    }

    async fn submit(
        &mut self,
        chore: Chore,
        to: Address,
        data: Vec<u8>,
        replacing: Option<Submission>,
    ) -> Result<B256, OracleError> {
        let submission = self.account.send(to, data, replacing.as_ref()).await?;
        self.in_flight.insert(chore, submission);
        Ok(submission.hash)
    }

    /// Moves the SmartOperator's commission tokens to the pool's auction.
    async fn forward_tokens(&mut self, pool: &Pool) -> Result<Option<B256>, OracleError> {
        let chore = Chore::ForwardTokens(pool.smart_operator);
        let Some(replacing) = self.ready(chore).await? else {
            return Ok(None);
        };
        let candidates = self
            .tokens
            .get(&pool.smart_operator)
            .cloned()
            .unwrap_or_default();
        let mut held = Vec::new();
        for token in candidates.into_iter().filter(|t| *t != WBERA) {
            let call = IWBERA::balanceOfCall {
                owner: pool.smart_operator,
            };
            // A token that does not answer `balanceOf` is not one to forward.
            let Ok(out) = self.account.eth_call(token, call.abi_encode()).await else {
                continue;
            };
            if out.len() >= 32 && !U256::from_be_slice(&out[..32]).is_zero() {
                held.push(token);
            }
        }
        // A token that cannot move (its transfer reverts) would revert the whole batch: each
        // is simulated alone first, and the ones that fail stay where they are.
        let mut movable = Vec::new();
        for token in held {
            let alone = ISmartOperator::moveERC20ToIncentiveCollectorCall {
                tokens: vec![token],
            };
            match self
                .account
                .simulate(pool.smart_operator, alone.abi_encode().into())
                .await
            {
                Ok(_) => movable.push(token),
                Err(error) => {
                    tracing::debug!(target: "berapool::incentives", operator = %pool.smart_operator, %token, %error, "token cannot move; left on the SmartOperator");
                }
            }
        }
        if movable.is_empty() {
            return Ok(None);
        }
        let held = movable;
        let call = ISmartOperator::moveERC20ToIncentiveCollectorCall {
            tokens: held.clone(),
        };
        let hash = self
            .submit(chore, pool.smart_operator, call.abi_encode(), replacing)
            .await?;
        tracing::info!(target: "berapool::incentives", operator = %pool.smart_operator, tokens = ?held, %hash, "commission tokens on the SmartOperator: moved to the IncentiveCollector");
        Ok(Some(hash))
    }

    /// Activates the pool's queued commission once its delay has passed.
    async fn activate_commission(
        &mut self,
        pool: &Pool,
        head: u64,
    ) -> Result<Option<B256>, OracleError> {
        let chore = Chore::ActivateCommission(pool.smart_operator);
        let Some(replacing) = self.ready(chore).await? else {
            return Ok(None);
        };
        let queued = IBeraChef::getValQueuedCommissionOnIncentiveTokensCall {
            valPubkey: pool.pubkey.clone(),
        };
        // No BeraChef on this chain (or one that does not answer): nothing to activate.
        let Ok(out) = self.account.eth_call(BERA_CHEF, queued.abi_encode()).await else {
            return Ok(None);
        };
        let Ok(queued) =
            IBeraChef::getValQueuedCommissionOnIncentiveTokensCall::abi_decode_returns(&out)
        else {
            return Ok(None);
        };
        if queued.blockNumberLast == 0 {
            return Ok(None);
        }
        let delay = self
            .account
            .eth_call(
                BERA_CHEF,
                IBeraChef::commissionChangeDelayCall {}.abi_encode(),
            )
            .await?;
        let delay = IBeraChef::commissionChangeDelayCall::abi_decode_returns(&delay)
            .map_err(|_| OracleError::Malformed("commission delay"))?;
        let due = u64::from(queued.blockNumberLast).saturating_add(delay);
        if head < due {
            return Ok(None);
        }
        let call = IBeraChef::activateQueuedValCommissionCall {
            valPubkey: pool.pubkey.clone(),
        };
        let hash = self
            .submit(chore, BERA_CHEF, call.abi_encode(), replacing)
            .await?;
        tracing::info!(target: "berapool::incentives", pubkey = %pool.pubkey, rate = %queued.commissionRate, queued_at = queued.blockNumberLast, due, %hash, "queued commission past its delay: activated");
        Ok(Some(hash))
    }
}

fn bytes(value: &Value) -> Result<Bytes, OracleError> {
    serde_json::from_value(value.clone()).map_err(|_| OracleError::Malformed("log data"))
}

/// Runs rounds every `config.interval` until `shutdown` is set.
pub async fn run(config: IncentiveConfig, shutdown: Arc<AtomicBool>) -> Result<(), OracleError> {
    let mut bot = IncentiveBot::new(&config)?;
    tracing::info!(target: "berapool::incentives", account = %bot.address(), rpc = %config.rpc, interval = ?config.interval, "incentive bot started");
    while !shutdown.load(Ordering::Relaxed) {
        match bot.round().await {
            Ok(report) if report != ChoreReport::default() => {
                tracing::debug!(target: "berapool::incentives", ?report, "round");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(target: "berapool::incentives", %error, "round failed"),
        }
        pause(config.interval, &shutdown).await;
    }
    Ok(())
}
