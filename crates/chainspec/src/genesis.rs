//! What a genesis file implies: the hardfork schedule of its `config` and the genesis header
//! (state root of the alloc and every field its active forks require).

use alloy_consensus::{
    constants::{EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH},
    Header,
};
use alloy_eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::Genesis;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::B256;

/// The hardforks a genesis config schedules.
pub(crate) fn hardforks_of(genesis: &Genesis) -> EthereumChainHardforks {
    use EthereumHardfork as H;
    let c = &genesis.config;
    let block = |b: Option<u64>| b.map(ForkCondition::Block);
    let time = |t: Option<u64>| t.map(ForkCondition::Timestamp);
    let mut forks: Vec<(H, ForkCondition)> = [
        (H::Frontier, Some(ForkCondition::Block(0))),
        (H::Homestead, block(c.homestead_block)),
        (H::Dao, block(c.dao_fork_block)),
        (H::Tangerine, block(c.eip150_block)),
        (H::SpuriousDragon, block(c.eip158_block)),
        (H::Byzantium, block(c.byzantium_block)),
        (H::Constantinople, block(c.constantinople_block)),
        (H::Petersburg, block(c.petersburg_block)),
        (H::Istanbul, block(c.istanbul_block)),
        (H::MuirGlacier, block(c.muir_glacier_block)),
        (H::Berlin, block(c.berlin_block)),
        (H::London, block(c.london_block)),
        (H::ArrowGlacier, block(c.arrow_glacier_block)),
        (H::GrayGlacier, block(c.gray_glacier_block)),
        (H::Shanghai, time(c.shanghai_time)),
        (H::Cancun, time(c.cancun_time)),
        (H::Prague, time(c.prague_time)),
        (H::Osaka, time(c.osaka_time)),
    ]
    .into_iter()
    .filter_map(|(fork, condition)| condition.map(|c| (fork, c)))
    .collect();
    if let Some(ttd) = c.terminal_total_difficulty {
        forks.push((
            H::Paris,
            ForkCondition::TTD {
                activation_block_number: c.merge_netsplit_block.unwrap_or(0),
                fork_block: c.merge_netsplit_block,
                total_difficulty: ttd,
            },
        ));
    }
    EthereumChainHardforks::new(forks)
}

/// The genesis header: the state root of the alloc and every field its active forks require.
pub(crate) fn genesis_header(genesis: &Genesis, forks: &EthereumChainHardforks) -> Header {
    let state_root = alloy_trie::root::state_root_ref_unhashed(&genesis.alloc);
    let at_genesis = |fork| {
        forks
            .ethereum_fork_activation(fork)
            .active_at_timestamp_or_number(genesis.timestamp, 0)
    };
    let london = at_genesis(EthereumHardfork::London);
    let shanghai = at_genesis(EthereumHardfork::Shanghai);
    let cancun = at_genesis(EthereumHardfork::Cancun);
    let prague = at_genesis(EthereumHardfork::Prague);
    Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: genesis.coinbase,
        state_root,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
        difficulty: genesis.difficulty,
        number: 0,
        gas_limit: genesis.gas_limit,
        gas_used: 0,
        timestamp: genesis.timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: genesis.nonce.into(),
        base_fee_per_gas: london.then(|| {
            genesis
                .base_fee_per_gas
                .map(|f| f as u64)
                .unwrap_or(INITIAL_BASE_FEE)
        }),
        withdrawals_root: shanghai.then_some(EMPTY_ROOT_HASH),
        blob_gas_used: cancun.then(|| genesis.blob_gas_used.unwrap_or(0)),
        excess_blob_gas: cancun.then(|| genesis.excess_blob_gas.unwrap_or(0)),
        parent_beacon_block_root: cancun.then_some(B256::ZERO),
        requests_hash: prague.then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}
