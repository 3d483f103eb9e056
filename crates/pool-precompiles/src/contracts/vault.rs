//! WithdrawalVault at `0x…b5000…02`, and the system calls block execution makes to it.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use berapool_pool_state::{
    addresses::EIP7002_PREDEPLOY, vault::vault_roles, PoolError, Pubkey, VaultWithdrawal,
};

use super::{
    empty_revert,
    roles::{access_control, IACCESS_CONTROL, IERC165},
    Dispatch,
};
use crate::{
    abi::{
        IBerapool::{self, IBerapoolCalls as B},
        IWithdrawalVault::{self, IWithdrawalVaultCalls as V},
    },
    system::eip7002,
};

/// The request tokens' ERC-721 name.
pub(crate) const NAME: &str = "Berachain Staking Pool Withdrawal Request";
/// The request tokens' ERC-721 symbol.
pub(crate) const SYMBOL: &str = "BSPWR";
/// The address system calls come from (EIP-4788 / EIP-2935 style): no key exists for it, so no
/// transaction can reach the system functions.
pub const SYSTEM_ADDRESS: Address = alloy_eips::eip4788::SYSTEM_ADDRESS;

const IERC721: [u8; 4] = [0x80, 0xac, 0x58, 0xcd];
const IERC721_ENUMERABLE: [u8; 4] = [0x78, 0x0e, 0x9d, 0x63];
const IERC721_METADATA: [u8; 4] = [0x5b, 0x5e, 0x13, 0x9f];

fn pubkey(bytes: &Bytes) -> Result<Pubkey, PoolError> {
    Pubkey::try_from(bytes.as_ref()).map_err(|_| PoolError::UnknownPool)
}

pub(super) fn call(d: &mut Dispatch<'_, '_, '_, '_>, data: &[u8]) -> Result<Vec<u8>, PoolError> {
    // Plain value: pools and unwrapped rewards send BERA here.
    if data.is_empty() {
        d.payable()?;
        return Ok(Vec::new());
    }
    let interfaces = [
        IERC165,
        IACCESS_CONTROL,
        IERC721,
        IERC721_ENUMERABLE,
        IERC721_METADATA,
    ];
    if let Some(result) = access_control(d, vault_roles(), data, &interfaces) {
        return result;
    }
    if let Ok(call) = B::abi_decode(data) {
        return system_call(d, call);
    }
    let call = V::abi_decode(data).map_err(|_| empty_revert())?;
    if !matches!(
        call,
        V::requestWithdrawal(_)
            | V::requestRedeem(_)
            | V::retryFullExit(_)
            | V::retryPartialWithdrawal(_)
    ) {
        d.nonpayable()?;
    }
    let sys = d.sys;
    Ok(match call {
        V::EIP_7002(_) => IWithdrawalVault::EIP_7002Call::abi_encode_returns(&EIP7002_PREDEPLOY),
        V::WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAY(_) => {
            IWithdrawalVault::WITHDRAWAL_REQUEST_FINALIZATION_BLOCK_DELAYCall::abi_encode_returns(
                &U256::from(sys.params.finalization_delay_blocks),
            )
        }
        V::name(_) => IWithdrawalVault::nameCall::abi_encode_returns(&NAME.to_string()),
        V::symbol(_) => IWithdrawalVault::symbolCall::abi_encode_returns(&SYMBOL.to_string()),
        V::paused(_) => {
            IWithdrawalVault::pausedCall::abi_encode_returns(&sys.vault_paused(d.host)?)
        }
        V::allocatedWithdrawalsAmount(c) => {
            let amount = match Pubkey::try_from(c.pubkey.as_ref()) {
                Ok(key) => sys.allocated_withdrawals_amount(d.host, &key)?,
                Err(_) => U256::ZERO,
            };
            IWithdrawalVault::allocatedWithdrawalsAmountCall::abi_encode_returns(&amount)
        }
        V::getWithdrawalRequestFee(_) => {
            let fee = eip7002::fee(d.host)?.ok_or(PoolError::FeeRequestFailed)?;
            IWithdrawalVault::getWithdrawalRequestFeeCall::abi_encode_returns(&fee)
        }
        V::getWithdrawalRequest(c) => {
            let request = request_view(d, c.requestId)?;
            IWithdrawalVault::getWithdrawalRequestCall::abi_encode_returns(&request)
        }
        V::withdrawalRequests(c) => {
            let r = request_view(d, c.requestId)?;
            IWithdrawalVault::withdrawalRequestsCall::abi_encode_returns(
                &IWithdrawalVault::withdrawalRequestsReturn {
                    _0: r.pubkey,
                    _1: r.assetsRequested,
                    _2: r.sharesBurnt,
                    _3: r.user,
                    _4: r.requestBlock,
                },
            )
        }
        V::balanceOf(c) => IWithdrawalVault::balanceOfCall::abi_encode_returns(
            &sys.request_balance_of(d.host, c.owner)?,
        ),
        V::ownerOf(c) => IWithdrawalVault::ownerOfCall::abi_encode_returns(
            &sys.request_owner_of(d.host, c.tokenId)?,
        ),
        V::totalSupply(_) => IWithdrawalVault::totalSupplyCall::abi_encode_returns(
            &sys.request_total_supply(d.host)?,
        ),
        V::tokenByIndex(c) => IWithdrawalVault::tokenByIndexCall::abi_encode_returns(
            &sys.request_by_index(d.host, c.index)?,
        ),
        V::tokenOfOwnerByIndex(c) => IWithdrawalVault::tokenOfOwnerByIndexCall::abi_encode_returns(
            &sys.request_of_owner_by_index(d.host, c.owner, c.index)?,
        ),
        V::tokenURI(c) => {
            IWithdrawalVault::tokenURICall::abi_encode_returns(&token_uri(d, c.tokenId)?)
        }
        V::getApproved(c) => {
            sys.request_owner_of(d.host, c.tokenId)?;
            IWithdrawalVault::getApprovedCall::abi_encode_returns(&Address::ZERO)
        }
        V::isApprovedForAll(_) => {
            IWithdrawalVault::isApprovedForAllCall::abi_encode_returns(&false)
        }

        // Requests never move, so approving them means nothing either.
        V::transferFrom(_)
        | V::safeTransferFrom_0(_)
        | V::safeTransferFrom_1(_)
        | V::approve(_)
        | V::setApprovalForAll(_) => return Err(PoolError::NonTransferable),

        V::requestWithdrawal(c) => {
            d.payable()?;
            let id = sys.request_withdrawal(
                d.host,
                &d.call,
                &pubkey(&c.pubkey)?,
                c.assetsInGWei,
                c.maxFeeToPay,
            )?;
            IWithdrawalVault::requestWithdrawalCall::abi_encode_returns(&id)
        }
        V::requestRedeem(c) => {
            d.payable()?;
            let id = sys.request_redeem(
                d.host,
                &d.call,
                &pubkey(&c.pubkey)?,
                c.shares,
                c.maxFeeToPay,
            )?;
            IWithdrawalVault::requestRedeemCall::abi_encode_returns(&id)
        }
        V::retryFullExit(c) => {
            d.payable()?;
            sys.retry_full_exit(d.host, &d.call, &pubkey(&c.pubkey)?, c.maxFeeToPay)?;
            Vec::new()
        }
        V::retryPartialWithdrawal(c) => {
            d.payable()?;
            sys.retry_partial_withdrawal(d.host, &d.call, &pubkey(&c.pubkey)?, c.maxFeeToPay)?;
            Vec::new()
        }
        V::finalizeWithdrawalRequest(c) => {
            d.write()?;
            sys.finalize_withdrawal_request(d.host, c.requestId)?;
            Vec::new()
        }
        V::finalizeWithdrawalRequests(c) => {
            d.write()?;
            sys.finalize_withdrawal_requests(d.host, &c.requestIds)?;
            Vec::new()
        }
        V::pause(_) => {
            d.write()?;
            sys.set_vault_paused(d.host, &d.call, true)?;
            Vec::new()
        }
        V::unpause(_) => {
            d.write()?;
            sys.set_vault_paused(d.host, &d.call, false)?;
            Vec::new()
        }
        // Sibling plumbing: the pool marks exits natively.
        V::notifyFullExitFromCL(_) => return Err(PoolError::InvalidSenderBare),
    })
}

fn request_view(
    d: &mut Dispatch<'_, '_, '_, '_>,
    id: U256,
) -> Result<IWithdrawalVault::WithdrawalRequest, PoolError> {
    let Some(r) = d.sys.withdrawal_request(d.host, id)? else {
        return Ok(IWithdrawalVault::WithdrawalRequest {
            pubkey: Bytes::new(),
            assetsRequested: U256::ZERO,
            sharesBurnt: U256::ZERO,
            user: Address::ZERO,
            requestBlock: U256::ZERO,
        });
    };
    let pool = d.sys.pool(d.host, r.pool)?;
    Ok(IWithdrawalVault::WithdrawalRequest {
        pubkey: Bytes::copy_from_slice(pool.pubkey.as_slice()),
        assetsRequested: r.assets_requested,
        sharesBurnt: r.shares_burnt,
        user: r.user,
        requestBlock: U256::from(r.request_block),
    })
}

/// ERC-721 metadata of a live request, as a `data:` URI so a wallet shows what the token is
/// worth and when it can be finalized without any server: the JSON's `name`, `description`
/// and `attributes` (pool, validator, assets and shares in wei, request and ready blocks).
/// A finalized or unknown id reverts with `ERC721NonexistentToken`, as OpenZeppelin's does.
fn token_uri(d: &mut Dispatch<'_, '_, '_, '_>, id: U256) -> Result<String, PoolError> {
    use base64::Engine as _;
    let request = d
        .sys
        .withdrawal_request(d.host, id)?
        .ok_or(PoolError::Erc721NonexistentToken { token_id: id })?;
    let pubkey = d.sys.pool_pubkey(d.host, request.pool)?;
    let ready = request
        .request_block
        .saturating_add(d.sys.params.finalization_delay_blocks);
    let json = format!(
        concat!(
            r#"{{"name":"{name} #{id}","#,
            r#""description":"A claim on {assets} wei from the staking pool {pool}, "#,
            r#"paid to {user} by finalizeWithdrawalRequest({id}) from block {ready}. "#,
            r#"It cannot be transferred.","#,
            r#""attributes":["#,
            r#"{{"trait_type":"staking pool","value":"{pool}"}},"#,
            r#"{{"trait_type":"validator","value":"{pubkey}"}},"#,
            r#"{{"trait_type":"assets (wei)","value":"{assets}"}},"#,
            r#"{{"trait_type":"shares burnt","value":"{shares}"}},"#,
            r#"{{"trait_type":"requested at block","display_type":"number","value":{requested}}},"#,
            r#"{{"trait_type":"finalizable from block","display_type":"number","value":{ready}}}"#,
            r#"]}}"#
        ),
        name = NAME,
        id = id,
        assets = request.assets_requested,
        shares = request.shares_burnt,
        pool = request.pool.addresses().staking_pool,
        pubkey = pubkey,
        user = request.user,
        requested = request.request_block,
        ready = ready,
    );
    Ok(format!(
        "data:application/json;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(json)
    ))
}

/// `beginBlock()` and `creditConsensusWithdrawals(...)`: only block execution, from the system
/// address, may call them.
fn system_call(d: &mut Dispatch<'_, '_, '_, '_>, call: B) -> Result<Vec<u8>, PoolError> {
    if let B::unattributedWithdrawals(_) = call {
        d.nonpayable()?;
        return Ok(IBerapool::unattributedWithdrawalsCall::abi_encode_returns(
            &d.sys.unattributed_withdrawals(d.host)?,
        ));
    }
    d.write()?;
    if d.call.caller != SYSTEM_ADDRESS {
        return Err(PoolError::InvalidSender {
            sender: d.call.caller,
            expected: SYSTEM_ADDRESS,
        });
    }
    match call {
        B::beginBlock(_) => d.sys.begin_block(d.host)?,
        B::creditConsensusWithdrawals(c) => {
            let withdrawals: Vec<VaultWithdrawal> = c
                .withdrawals
                .iter()
                .map(|w| VaultWithdrawal {
                    validator_index: w.validatorIndex,
                    amount_gwei: w.amount,
                })
                .collect();
            d.sys.credit_consensus_withdrawals(d.host, &withdrawals)?;
        }
        B::unattributedWithdrawals(_) => {}
    }
    Ok(Vec::new())
}
