//! `berapool-node pool status|requests`: what a staker or an operator wants to know about a
//! pool, read over JSON-RPC (the pool's views) and the proof API (its validator), with what
//! can be done next. For people by default, `--json` for scripts.

use std::time::Duration;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use berapool_pool_precompiles::{
    abi::{IStakingPool as P, IStakingPoolContractsFactory as F, IWithdrawalVault as V},
    addresses::{FACTORY, WITHDRAWAL_VAULT},
    pool_state::PoolId,
};
use eyre::{bail, eyre, Context};
use jsonrpsee::{
    core::client::ClientT,
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub(crate) struct PoolArgs {
    #[command(subcommand)]
    command: PoolCommand,
    /// JSON-RPC URL of the node.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    /// URL of the proof API (the validator's status comes from `/eth/v1/beacon/…`).
    #[arg(long, global = true, default_value = "http://127.0.0.1:3500")]
    beacon: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum PoolCommand {
    /// A pool's addresses, state, totals, share price, its validator on the consensus layer,
    /// and what can be done next.
    Status {
        /// The validator pubkey (48 bytes, hex).
        pubkey: Bytes,
    },
    /// The open withdrawal requests an address holds, with the block each is finalizable from.
    Requests {
        /// The holder.
        address: Address,
    },
}

pub(crate) async fn run(args: PoolArgs) -> eyre::Result<()> {
    let rpc = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(20))
        .build(&args.rpc)
        .wrap_err_with(|| format!("JSON-RPC URL {}", args.rpc))?;
    let view = Views { rpc: &rpc };
    let out = match args.command {
        PoolCommand::Status { pubkey } => status(&view, &args.beacon, pubkey).await?,
        PoolCommand::Requests { address } => requests(&view, address).await?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out.json)?);
    } else {
        print!("{}", out.text);
    }
    Ok(())
}

/// One answer, both ways.
struct Out {
    json: Value,
    text: String,
}

/// `eth_call`s at the head.
struct Views<'a> {
    rpc: &'a HttpClient,
}

impl Views<'_> {
    async fn call<C: SolCall>(&self, to: Address, call: C) -> eyre::Result<C::Return> {
        let request = json!({"to": to, "data": Bytes::from(call.abi_encode())});
        let out: Bytes = self
            .rpc
            .request("eth_call", rpc_params![request, "latest"])
            .await
            .wrap_err_with(|| format!("eth_call {} on {to}", C::SIGNATURE))?;
        C::abi_decode_returns(&out).map_err(|e| eyre!("{} on {to}: {e}", C::SIGNATURE))
    }

    async fn head(&self) -> eyre::Result<u64> {
        let n: U256 = self.rpc.request("eth_blockNumber", rpc_params![]).await?;
        Ok(n.saturating_to())
    }
}

/// `wei` as BERA with up to 6 decimals.
fn bera(wei: U256) -> String {
    let unit = U256::from(10u64).pow(U256::from(18u64));
    let micro = (wei % unit) / U256::from(1_000_000_000_000u64);
    let whole = wei / unit;
    if micro.is_zero() {
        format!("{whole}")
    } else {
        let frac = format!("{:06}", micro.saturating_to::<u64>());
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
}

async fn status(view: &Views<'_>, beacon: &str, pubkey: Bytes) -> eyre::Result<Out> {
    if pubkey.len() != 48 {
        bail!("a validator pubkey is 48 bytes, this one {}", pubkey.len());
    }
    let head = view.head().await?;
    let core = view
        .call(
            FACTORY,
            F::getCoreContractsCall {
                pubkey: pubkey.clone(),
            },
        )
        .await?;
    let id = PoolId::from_pubkey(&pubkey.as_ref().try_into()?);
    let mut text = format!("pool {pubkey}\n");
    if core.stakingPool.is_zero() {
        text.push_str("  not registered\nnext\n  - register it: the factory's deployStakingPoolContracts with exactly 10,000 BERA\n");
        return Ok(Out {
            json: json!({"pubkey": pubkey, "registered": false, "head": head}),
            text,
        });
    }
    let pool = core.stakingPool;
    let active = view.call(pool, P::isActiveCall {}).await?;
    let threshold = view.call(pool, P::activeThresholdReachedCall {}).await?;
    let paused = view.call(pool, P::pausedCall {}).await?;
    let exited = view.call(pool, P::isFullyExitedCall {}).await?;
    let total_deposits = view.call(pool, P::totalDepositsCall {}).await?;
    let buffered = view.call(pool, P::bufferedAssetsCall {}).await?;
    let total_assets = view.call(pool, P::totalAssetsCall {}).await?;
    let supply = view.call(pool, P::totalSupplyCall {}).await?;
    let one = U256::from(10u64).pow(U256::from(18u64));
    let price = view
        .call(pool, P::convertToAssetsCall { shares: one })
        .await?;
    let min_effective = view.call(pool, P::minEffectiveBalanceCall {}).await?;
    let max_effective = view.call(pool, P::MAX_EFFECTIVE_BALANCECall {}).await?;
    let activation_block = view
        .call(pool, P::validatorActivationBlockCall {})
        .await?
        .saturating_to::<u64>();
    let cooldown = view
        .call(pool, P::ENABLE_WITHDRAWAL_COOLDOWN_BLOCKSCall {})
        .await?;
    let validator = validator_on_cl(beacon, &pubkey).await;
    let state = match (active, threshold, paused, exited) {
        (_, _, _, true) => "fully exited",
        (false, _, _, _) => "registered, waiting for activation by the oracle",
        (true, _, true, _) => "active, paused (deposits refused)",
        (true, true, false, _) => "active, threshold reached",
        (true, false, false, _) => "active, below the activation threshold",
    };
    let withdrawals_from = threshold.then(|| activation_block.saturating_add(cooldown));
    let cl_status = validator
        .as_ref()
        .ok()
        .and_then(|v| v["status"].as_str().map(str::to_owned));

    let mut next = Vec::new();
    if exited {
        next.push("the pool has exited: shares are redeemed with the vault's requestRedeem, paid once the exit is swept".to_owned());
    } else if !active {
        next.push(match &cl_status {
            Some(s) => format!("wait: the oracle activates the pool once it proves the validator (now {s} on the CL)"),
            None => "wait: the validator is not on the consensus layer yet (its deposit is processed a block after it is made)".to_owned(),
        });
    } else {
        if !paused {
            next.push(format!("stake: send BERA with submit(address) to {pool}"));
        }
        match withdrawals_from {
            None => next.push(
                "withdraw: at once from the buffer (requestWithdrawal), until the threshold is reached".to_owned(),
            ),
            Some(from) if head < from => next.push(format!(
                "withdraw: from block {from} (the {cooldown}-block cooldown after the threshold); now block {head}"
            )),
            Some(_) => match cl_status.as_deref() {
                Some("active_ongoing") => next.push(format!(
                    "withdraw: from the buffer ({} BERA) at once, the rest through the consensus layer (requestWithdrawal)",
                    bera(buffered)
                )),
                other => next.push(format!(
                    "withdraw: from the buffer ({} BERA); a consensus-layer withdrawal waits until the validator is active_ongoing (now {}), or the CL drops it and it is settled later from the buffer",
                    bera(buffered),
                    other.unwrap_or("unknown")
                )),
            },
        }
    }

    let room = max_effective.saturating_sub(total_deposits);
    let a = &core;
    text.push_str(&format!(
        "  pool id             {:#018x}\n  staking pool        {}\n  smart operator      {}\n  rewards vault       {}\n  incentive collector {}\n",
        id.0, a.stakingPool, a.smartOperator, a.stakingRewardsVault, a.incentiveCollector
    ));
    text.push_str(&format!("  state               {state}\n"));
    text.push_str(&format!(
        "  total assets        {} BERA (on the CL {}, buffered {})\n",
        bera(total_assets),
        bera(total_deposits),
        bera(buffered)
    ));
    text.push_str(&format!(
        "  shares              {} stBERA, 1 stBERA = {} BERA\n",
        bera(supply),
        bera(price)
    ));
    text.push_str(&format!(
        "  activation at       {} BERA on the CL; room under the cap {} BERA\n",
        bera(min_effective),
        bera(room)
    ));
    match &validator {
        Ok(v) => text.push_str(&format!(
            "  validator           index {}, {}, {} BERA on the CL\n",
            v["index"].as_str().unwrap_or("?"),
            v["status"].as_str().unwrap_or("?"),
            v["balance"]
                .as_str()
                .and_then(|g| g.parse::<u64>().ok())
                .map(|g| bera(U256::from(g) * U256::from(1_000_000_000u64)))
                .unwrap_or_else(|| "?".into())
        )),
        Err(why) => text.push_str(&format!("  validator           {why}\n")),
    }
    if let Some(from) = withdrawals_from {
        text.push_str(&format!(
            "  withdrawals         from block {from} (now {head})\n"
        ));
    }
    text.push_str("next\n");
    for step in &next {
        text.push_str(&format!("  - {step}\n"));
    }
    let json = json!({
        "pubkey": pubkey,
        "registered": true,
        "poolId": format!("{:#018x}", id.0),
        "addresses": {
            "stakingPool": a.stakingPool,
            "smartOperator": a.smartOperator,
            "stakingRewardsVault": a.stakingRewardsVault,
            "incentiveCollector": a.incentiveCollector,
        },
        "state": state,
        "active": active,
        "thresholdReached": threshold,
        "paused": paused,
        "fullyExited": exited,
        "totalAssets": total_assets.to_string(),
        "totalDeposits": total_deposits.to_string(),
        "bufferedAssets": buffered.to_string(),
        "totalSupply": supply.to_string(),
        "assetsPerShare": price.to_string(),
        "minEffectiveBalance": min_effective.to_string(),
        "withdrawalsFromBlock": withdrawals_from,
        "head": head,
        "validator": validator.as_ref().ok(),
        "next": next,
    });
    Ok(Out { json, text })
}

/// The validator with `pubkey` in the head beacon state (`index`, `balance`, `status`), or
/// why it is not known.
async fn validator_on_cl(beacon: &str, pubkey: &Bytes) -> Result<Value, String> {
    let url = format!("{beacon}/eth/v1/beacon/states/head/validators/{pubkey}");
    match berapool_http::get(&url, Duration::from_secs(10)).await {
        Ok((200, body)) => serde_json::from_str::<Value>(&body)
            .ok()
            .map(|v| v["data"].clone())
            .filter(|d| d.is_object())
            .ok_or_else(|| format!("unreadable answer from {url}")),
        Ok((404, _)) => Err("not on the consensus layer yet".into()),
        Ok((status, _)) => Err(format!("{url} answered {status}")),
        Err(e) => Err(format!(
            "unknown: proof API at {beacon} not reachable ({e})"
        )),
    }
}

async fn requests(view: &Views<'_>, owner: Address) -> eyre::Result<Out> {
    let head = view.head().await?;
    let count = view
        .call(WITHDRAWAL_VAULT, V::balanceOfCall { owner })
        .await?
        .saturating_to::<u64>();
    let delay = view
        .call(
            WITHDRAWAL_VAULT,
            V::WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAYCall {},
        )
        .await?
        .saturating_to::<u64>();
    let mut text = format!("withdrawal requests of {owner} (block {head})\n");
    let mut items = Vec::new();
    for index in 0..count {
        let id = view
            .call(
                WITHDRAWAL_VAULT,
                V::tokenOfOwnerByIndexCall {
                    owner,
                    index: U256::from(index),
                },
            )
            .await?;
        let r = view
            .call(
                WITHDRAWAL_VAULT,
                V::getWithdrawalRequestCall { requestId: id },
            )
            .await?;
        let requested_at = r.requestBlock.saturating_to::<u64>();
        let from = requested_at.saturating_add(delay);
        let when = if head >= from {
            "finalizable now (finalizeWithdrawalRequest)".to_owned()
        } else {
            format!("finalizable from block {from}, in {} blocks", from - head)
        };
        text.push_str(&format!(
            "  #{id}  {} BERA from pool {}, requested at block {requested_at}: {when}\n",
            bera(r.assetsRequested),
            r.pubkey
        ));
        items.push(json!({
            "id": id.to_string(),
            "pubkey": r.pubkey,
            "assets": r.assetsRequested.to_string(),
            "sharesBurnt": r.sharesBurnt.to_string(),
            "requestBlock": requested_at,
            "finalizableFromBlock": from,
            "finalizableNow": head >= from,
        }));
    }
    if count == 0 {
        text.push_str("  none open\n");
    }
    Ok(Out {
        json: json!({"owner": owner, "head": head, "requests": items}),
        text,
    })
}
