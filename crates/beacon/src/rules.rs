//! BeaconKit's state-transition rules that matter to staking pools, on a [`BeaconState`]: slots
//! and epochs, deposits, activation and the validator-set cap, EIP-7002 requests, the
//! withdrawals of each payload and stake-weighted proposer selection.
//!
//! Rewards, penalties and slashing do not exist on Berachain's consensus layer, so nothing here
//! models them. Epoch processing follows Ethereum's order: it runs at the last slot of an epoch.

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    body::{Deposit, WithdrawalRequest},
    state::{BeaconState, PendingPartialWithdrawal, Validator, FAR_FUTURE_EPOCH, HISTORY_LENGTH},
    BERA_GWEI,
};

/// The consensus parameters the simulator runs with. Amounts are Berachain mainnet's; times
/// default to short dev values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClSpec {
    /// Slots (= blocks) per epoch.
    pub slots_per_epoch: u64,
    /// `min-validator-withdrawability-delay`, epochs.
    pub withdrawability_delay_epochs: u64,
    /// Most active validators.
    pub validator_set_cap: u64,
    /// Effective balance needed to activate, gwei (250,000 BERA).
    pub min_activation_balance: u64,
    /// Largest effective balance, gwei (10,000,000 BERA).
    pub max_effective_balance: u64,
    /// Effective balances are multiples of this, gwei (10,000 BERA).
    pub effective_balance_increment: u64,
    /// Receives the inflation withdrawal that opens every payload.
    pub inflation_address: Address,
    /// Inflation per block, gwei.
    pub inflation_per_block: u64,
    /// Effective-balance hysteresis: the increment is divided by this…
    pub hysteresis_quotient: u64,
    /// …and the effective balance drops once the balance is this many parts below it…
    pub hysteresis_downward_multiplier: u64,
    /// …or rises once the balance is this many parts above it.
    pub hysteresis_upward_multiplier: u64,
}

impl Default for ClSpec {
    fn default() -> Self {
        Self {
            slots_per_epoch: 32,
            withdrawability_delay_epochs: 4,
            validator_set_cap: 69,
            min_activation_balance: 250_000 * BERA_GWEI,
            max_effective_balance: 10_000_000 * BERA_GWEI,
            effective_balance_increment: 10_000 * BERA_GWEI,
            inflation_address: Address::ZERO,
            inflation_per_block: 0,
            // BRIP-0008 (Berachain since Fulu): down 100 BERA, up 1,000 BERA. Before it (4, 1,
            // 5) a pool topping up to exactly 250,000 BERA would keep a 240,000 effective
            // balance and never activate.
            hysteresis_quotient: 100,
            hysteresis_downward_multiplier: 1,
            hysteresis_upward_multiplier: 10,
        }
    }
}

/// Withdrawals per payload, the inflation withdrawal included.
pub const MAX_WITHDRAWALS_PER_PAYLOAD: usize = 16;
/// Validators the sweep looks at per payload.
pub const MAX_VALIDATORS_PER_SWEEP: u64 = 31;
/// Withdrawals (the inflation one included) after which pending partials are not taken.
pub const MAX_PENDING_PARTIALS_PER_SWEEP: usize = 8;
/// Deposits a block processes; later ones wait for the next block.
pub const MAX_DEPOSITS_PER_BLOCK: usize = 16;
/// Longest queue of pending partial withdrawals.
pub const PENDING_PARTIALS_LIMIT: usize = 1 << 27;

impl ClSpec {
    /// The epoch of `slot`.
    pub fn epoch(&self, slot: u64) -> u64 {
        slot / self.slots_per_epoch.max(1)
    }

    fn effective_balance_for(&self, balance: u64) -> u64 {
        (balance - balance % self.effective_balance_increment).min(self.max_effective_balance)
    }
}

/// What the withdrawals of the next payload are, and how many pending partials they consume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedWithdrawals {
    /// The inflation withdrawal first, then partials, then the sweep.
    pub withdrawals: Vec<Withdrawal>,
    /// Pending partials looked at (paid or dropped).
    pub processed_partials: usize,
}

/// Advances `state` to `slot`: caches roots every slot, runs epoch processing at the end of an
/// epoch.
pub fn process_slots(spec: &ClSpec, state: &mut BeaconState, slot: u64) {
    while state.slot < slot {
        let root = state.root();
        let ring = (state.slot % HISTORY_LENGTH as u64) as usize;
        state.state_roots[ring] = root;
        if state.latest_block_header.state_root.is_zero() {
            state.latest_block_header.state_root = root;
        }
        state.block_roots[ring] = state.latest_block_header.root();
        if (state.slot + 1).is_multiple_of(spec.slots_per_epoch.max(1)) {
            process_epoch(spec, state);
        }
        state.slot += 1;
    }
}

/// End of epoch: activation queue, effective balances, next mix, validator-set cap.
pub fn process_epoch(spec: &ClSpec, state: &mut BeaconState) {
    let epoch = spec.epoch(state.slot);
    for v in &mut state.validators {
        if v.activation_eligibility_epoch == FAR_FUTURE_EPOCH
            && v.effective_balance >= spec.min_activation_balance
        {
            v.activation_eligibility_epoch = epoch + 1;
        } else if v.activation_epoch == FAR_FUTURE_EPOCH && v.activation_eligibility_epoch <= epoch
        {
            v.activation_epoch = epoch + 1;
        }
    }
    let hysteresis = spec.effective_balance_increment / spec.hysteresis_quotient.max(1);
    let down = hysteresis * spec.hysteresis_downward_multiplier;
    let up = hysteresis * spec.hysteresis_upward_multiplier;
    for (v, balance) in state.validators.iter_mut().zip(&state.balances) {
        if balance + down < v.effective_balance || v.effective_balance + up < *balance {
            v.effective_balance = spec.effective_balance_for(*balance);
        }
    }
    let next = ((epoch + 1) % HISTORY_LENGTH as u64) as usize;
    state.randao_mixes[next] = state.randao_mixes[(epoch % HISTORY_LENGTH as u64) as usize];
    process_validator_set_cap(spec, state, epoch);
}

/// Exits the lowest-stake validators active next epoch beyond the cap; on equal stake the
/// smaller pubkey goes first, as BeaconKit sorts them.
fn process_validator_set_cap(spec: &ClSpec, state: &mut BeaconState, epoch: u64) {
    let mut active: Vec<usize> = (0..state.validators.len())
        .filter(|i| state.validators[*i].is_active(epoch + 1))
        .collect();
    let Some(excess) = (active.len() as u64).checked_sub(spec.validator_set_cap) else {
        return;
    };
    active.sort_by(|a, b| {
        let (va, vb) = (&state.validators[*a], &state.validators[*b]);
        (va.effective_balance, va.pubkey).cmp(&(vb.effective_balance, vb.pubkey))
    });
    for index in active.into_iter().take(excess as usize) {
        tracing::info!(target: "berapool::cl", index, epoch, "validator set full: lowest stake evicted");
        initiate_exit(spec, state, index, epoch);
    }
}

/// Electra exit without churn: out next epoch, withdrawable `delay` epochs after.
fn initiate_exit(spec: &ClSpec, state: &mut BeaconState, index: usize, epoch: u64) {
    let v = &mut state.validators[index];
    if v.exit_epoch != FAR_FUTURE_EPOCH {
        return;
    }
    v.exit_epoch = epoch + 1;
    v.withdrawable_epoch = v.exit_epoch + spec.withdrawability_delay_epochs;
}

/// A deposit: a new validator for an unknown pubkey (its signature is not checked on the dev
/// chain), a top-up otherwise.
pub fn process_deposit(spec: &ClSpec, state: &mut BeaconState, deposit: &Deposit) {
    if deposit.index != state.eth1_deposit_index {
        tracing::warn!(target: "berapool::cl", expected = state.eth1_deposit_index, got = deposit.index, "deposit index out of sequence");
    }
    state.eth1_deposit_index = state.eth1_deposit_index.max(deposit.index) + 1;
    match state.validator_index(&deposit.pubkey) {
        Some(index) => {
            let balance = &mut state.balances[index as usize];
            *balance = balance.saturating_add(deposit.amount);
        }
        None => {
            if deposit.credentials[0] != 0x01 {
                tracing::warn!(target: "berapool::cl", pubkey = %deposit.pubkey, "validator added with non-0x01 credentials: NOT withdrawable");
            }
            state.validators.push(Validator {
                pubkey: deposit.pubkey,
                withdrawal_credentials: deposit.credentials,
                effective_balance: spec.effective_balance_for(deposit.amount),
                slashed: false,
                activation_eligibility_epoch: FAR_FUTURE_EPOCH,
                activation_epoch: FAR_FUTURE_EPOCH,
                exit_epoch: FAR_FUTURE_EPOCH,
                withdrawable_epoch: FAR_FUTURE_EPOCH,
            });
            state.balances.push(deposit.amount);
        }
    }
}

fn pending_balance_to_withdraw(state: &BeaconState, index: u64) -> u64 {
    state
        .pending_partial_withdrawals
        .iter()
        .filter(|p| p.validator_index == index)
        .map(|p| p.amount)
        .sum()
}

/// Why an EIP-7002 request did nothing (BeaconKit drops them silently; the simulator logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// A full exit was initiated.
    Exit,
    /// A partial withdrawal of this many gwei was queued.
    Partial(u64),
    /// Dropped, with the reason.
    Dropped(&'static str),
}

/// An EIP-7002 request: amount 0 exits (unless partials are pending), otherwise queues a
/// partial that keeps the minimum activation balance staked.
pub fn process_withdrawal_request(
    spec: &ClSpec,
    state: &mut BeaconState,
    request: &WithdrawalRequest,
) -> RequestOutcome {
    let epoch = spec.epoch(state.slot);
    let Some(index) = state.validator_index(&request.pubkey) else {
        return RequestOutcome::Dropped("unknown pubkey");
    };
    let v = &state.validators[index as usize];
    if v.withdrawal_address() != Some(request.source_address) {
        return RequestOutcome::Dropped("source is not the 0x01 credentials address");
    }
    if !v.is_active(epoch) {
        return RequestOutcome::Dropped("validator not active");
    }
    if v.exit_epoch != FAR_FUTURE_EPOCH {
        return RequestOutcome::Dropped("exit already initiated");
    }
    let pending = pending_balance_to_withdraw(state, index);
    if request.amount == 0 {
        if pending != 0 {
            return RequestOutcome::Dropped("full exit while partials are pending");
        }
        initiate_exit(spec, state, index as usize, epoch);
        return RequestOutcome::Exit;
    }
    let balance = state.balances[index as usize];
    let floor = spec.min_activation_balance.saturating_add(pending);
    if v.effective_balance < spec.min_activation_balance || balance <= floor {
        return RequestOutcome::Dropped("no balance above the minimum");
    }
    if state.pending_partial_withdrawals.len() >= PENDING_PARTIALS_LIMIT {
        return RequestOutcome::Dropped("pending partial queue full");
    }
    let amount = (balance - floor).min(request.amount);
    state
        .pending_partial_withdrawals
        .push(PendingPartialWithdrawal {
            validator_index: index,
            amount,
            withdrawable_epoch: epoch + 1 + spec.withdrawability_delay_epochs,
        });
    RequestOutcome::Partial(amount)
}

/// Withdrawals being assembled: the next withdrawal index and what each validator has been
/// paid so far in this payload.
struct Payouts {
    withdrawals: Vec<Withdrawal>,
    next_index: u64,
    paid: Vec<u64>,
}

impl Payouts {
    fn pay(&mut self, validator: usize, address: Address, amount: u64) {
        self.paid[validator] += amount;
        self.withdrawals.push(Withdrawal {
            index: self.next_index,
            validator_index: validator as u64,
            address,
            amount,
        });
        self.next_index += 1;
    }
}

/// The withdrawals the next payload must carry, from the state at its slot.
pub fn expected_withdrawals(spec: &ClSpec, state: &BeaconState) -> ExpectedWithdrawals {
    let epoch = spec.epoch(state.slot);
    let mut payouts = Payouts {
        withdrawals: vec![Withdrawal {
            index: u64::MAX,
            validator_index: u64::MAX,
            address: spec.inflation_address,
            amount: spec.inflation_per_block,
        }],
        next_index: state.next_withdrawal_index,
        paid: vec![0; state.validators.len()],
    };
    let mut processed_partials = 0;
    for partial in &state.pending_partial_withdrawals {
        if partial.withdrawable_epoch > epoch
            || payouts.withdrawals.len() >= MAX_PENDING_PARTIALS_PER_SWEEP
        {
            break;
        }
        processed_partials += 1;
        let i = partial.validator_index as usize;
        let (Some(v), Some(balance)) = (state.validators.get(i), state.balances.get(i)) else {
            continue;
        };
        let balance = balance - payouts.paid[i];
        let (Some(address), true) = (
            v.withdrawal_address(),
            v.exit_epoch == FAR_FUTURE_EPOCH
                && v.effective_balance >= spec.min_activation_balance
                && balance > spec.min_activation_balance,
        ) else {
            continue;
        };
        let amount = (balance - spec.min_activation_balance).min(partial.amount);
        payouts.pay(i, address, amount);
    }
    let n = state.validators.len() as u64;
    let mut v_index = state.next_withdrawal_validator_index;
    for _ in 0..n.min(MAX_VALIDATORS_PER_SWEEP) {
        if payouts.withdrawals.len() >= MAX_WITHDRAWALS_PER_PAYLOAD {
            break;
        }
        let i = (v_index % n) as usize;
        let v = &state.validators[i];
        let balance = state.balances[i] - payouts.paid[i];
        if let Some(address) = v.withdrawal_address() {
            let amount = if v.withdrawable_epoch <= epoch && balance > 0 {
                balance
            } else if v.effective_balance == spec.max_effective_balance
                && balance > spec.max_effective_balance
            {
                balance - spec.max_effective_balance
            } else {
                0
            };
            if amount > 0 {
                payouts.pay(i, address, amount);
            }
        }
        v_index = (v_index + 1) % n;
    }
    ExpectedWithdrawals {
        withdrawals: payouts.withdrawals,
        processed_partials,
    }
}

/// Applies a payload's withdrawals: balances go down, consumed partials leave the queue, the
/// sweep moves on.
pub fn apply_withdrawals(state: &mut BeaconState, expected: &ExpectedWithdrawals) {
    let paid: Vec<&Withdrawal> = expected
        .withdrawals
        .iter()
        .filter(|w| w.validator_index != u64::MAX)
        .collect();
    for w in &paid {
        if let Some(balance) = state.balances.get_mut(w.validator_index as usize) {
            *balance = balance.saturating_sub(w.amount);
        }
    }
    let consumed = expected
        .processed_partials
        .min(state.pending_partial_withdrawals.len());
    state.pending_partial_withdrawals.drain(..consumed);
    if let Some(last) = paid.last() {
        state.next_withdrawal_index = last.index + 1;
    }
    let n = state.validators.len() as u64;
    if n > 0 {
        state.next_withdrawal_validator_index =
            if expected.withdrawals.len() == MAX_WITHDRAWALS_PER_PAYLOAD {
                paid.last().map_or(0, |w| w.validator_index + 1) % n
            } else {
                (state.next_withdrawal_validator_index + MAX_VALIDATORS_PER_SWEEP) % n
            };
    }
}

/// Applies the withdrawals a stored payload actually paid when they differ from what
/// [`expected_withdrawals`] gives now (the chain was built under other consensus flags, or by
/// another client). The balances go down by exactly what was paid, so nothing is paid twice.
///
/// The payload does not say which pending partials it consumed, so they are matched: in order,
/// each paid withdrawal after the inflation one takes the first pending partial of its validator
/// for at least its amount, until one matches none (the rest is the sweep). Unmatched partials
/// before the last match that the sweep would drop whatever the epoch are consumed too, as the
/// run that built the payload consumed them; the others stay queued.
pub fn replay_withdrawals(spec: &ClSpec, state: &mut BeaconState, paid: &[Withdrawal]) {
    let queue = &state.pending_partial_withdrawals;
    let mut taken = vec![false; queue.len()];
    let mut paid_so_far = vec![0u64; state.validators.len()];
    let mut last_match = None;
    for w in paid.iter().filter(|w| w.validator_index != u64::MAX) {
        let found = queue.iter().enumerate().position(|(j, partial)| {
            !taken[j] && partial.validator_index == w.validator_index && partial.amount >= w.amount
        });
        let Some(j) = found else { break };
        taken[j] = true;
        last_match = Some(last_match.map_or(j, |last: usize| last.max(j)));
        if let Some(sum) = paid_so_far.get_mut(w.validator_index as usize) {
            *sum = sum.saturating_add(w.amount);
        }
    }
    if let Some(last) = last_match {
        for (j, partial) in queue.iter().enumerate().take(last) {
            let i = partial.validator_index as usize;
            let left = state
                .balances
                .get(i)
                .zip(paid_so_far.get(i))
                .map(|(balance, paid)| balance.saturating_sub(*paid));
            let payable = match (state.validators.get(i), left) {
                (Some(v), Some(left)) => {
                    v.withdrawal_address().is_some()
                        && v.exit_epoch == FAR_FUTURE_EPOCH
                        && v.effective_balance >= spec.min_activation_balance
                        && left > spec.min_activation_balance
                }
                _ => false,
            };
            taken[j] |= !payable;
        }
    }
    let mut j = 0;
    state.pending_partial_withdrawals.retain(|_| {
        j += 1;
        !taken[j - 1]
    });
    apply_withdrawals(
        state,
        &ExpectedWithdrawals {
            withdrawals: paid.to_vec(),
            processed_partials: 0,
        },
    );
}

/// The current randomness mix (the payload's `prevRandao`).
pub fn randao_mix(spec: &ClSpec, state: &BeaconState) -> B256 {
    state.randao_mixes[(spec.epoch(state.slot) % HISTORY_LENGTH as u64) as usize]
}

/// Mixes the block's reveal into the current mix. The dev chain has no BLS keys, so the reveal
/// is `sha256(mix ‖ slot)`: unpredictable enough for proposer selection, reproducible on replay.
pub fn process_randao(spec: &ClSpec, state: &mut BeaconState) {
    let ring = (spec.epoch(state.slot) % HISTORY_LENGTH as u64) as usize;
    let mut hasher = Sha256::new();
    hasher.update(state.randao_mixes[ring]);
    hasher.update(state.slot.to_le_bytes());
    state.randao_mixes[ring] = B256::from_slice(&hasher.finalize());
}

/// The proposer of the state's slot: an active validator drawn with probability proportional
/// to its effective balance, seeded by the mix and the slot. `None` without active validators.
pub fn proposer_index(spec: &ClSpec, state: &BeaconState) -> Option<u64> {
    let epoch = spec.epoch(state.slot);
    let active: Vec<(usize, u64)> = state
        .validators
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_active(epoch))
        .map(|(i, v)| (i, v.effective_balance.max(1)))
        .collect();
    let total: u128 = active.iter().map(|(_, w)| u128::from(*w)).sum();
    if total == 0 {
        return None;
    }
    let mut hasher = Sha256::new();
    hasher.update(randao_mix(spec, state));
    hasher.update(state.slot.to_le_bytes());
    let seed = hasher.finalize();
    let mut draw = [0u8; 16];
    draw.copy_from_slice(&seed[..16]);
    let mut point = u128::from_le_bytes(draw) % total;
    for (index, weight) in active {
        if point < u128::from(weight) {
            return Some(index as u64);
        }
        point -= u128::from(weight);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::BlsPubkey;

    fn spec() -> ClSpec {
        ClSpec {
            slots_per_epoch: 4,
            withdrawability_delay_epochs: 2,
            validator_set_cap: 2,
            inflation_address: Address::repeat_byte(0x69),
            inflation_per_block: 10 * BERA_GWEI,
            ..ClSpec::default()
        }
    }

    fn state() -> BeaconState {
        BeaconState {
            block_roots: vec![B256::ZERO; HISTORY_LENGTH],
            state_roots: vec![B256::ZERO; HISTORY_LENGTH],
            randao_mixes: vec![B256::repeat_byte(1); HISTORY_LENGTH],
            ..BeaconState::default()
        }
    }

    fn vault() -> Address {
        Address::repeat_byte(0x77)
    }

    fn credentials(address: Address) -> B256 {
        let mut c = [0u8; 32];
        c[0] = 1;
        c[12..].copy_from_slice(address.as_slice());
        B256::from(c)
    }

    fn deposit(state: &BeaconState, key: u8, bera: u64) -> Deposit {
        Deposit {
            pubkey: BlsPubkey::repeat_byte(key),
            credentials: credentials(vault()),
            amount: bera * BERA_GWEI,
            signature: Default::default(),
            index: state.eth1_deposit_index,
        }
    }

    fn add(spec: &ClSpec, s: &mut BeaconState, key: u8, bera: u64) {
        let d = deposit(s, key, bera);
        process_deposit(spec, s, &d);
    }

    fn to_epoch_end(spec: &ClSpec, state: &mut BeaconState, epoch: u64) {
        process_slots(spec, state, (epoch + 1) * spec.slots_per_epoch);
    }

    #[test]
    fn a_deposit_makes_a_validator_and_top_ups_add_balance() {
        let (spec, mut s) = (spec(), state());
        add(&spec, &mut s, 1, 10_000);
        assert_eq!(s.validators.len(), 1);
        assert_eq!(s.balances, vec![10_000 * BERA_GWEI]);
        assert_eq!(s.validators[0].effective_balance, 10_000 * BERA_GWEI);
        assert_eq!(s.validators[0].activation_epoch, FAR_FUTURE_EPOCH);
        add(&spec, &mut s, 1, 15_000);
        assert_eq!(s.validators.len(), 1);
        assert_eq!(s.balances, vec![25_000 * BERA_GWEI]);
        assert_eq!(s.eth1_deposit_index, 2);
        // Effective balance follows at the epoch end, in whole increments.
        to_epoch_end(&spec, &mut s, 0);
        assert_eq!(s.validators[0].effective_balance, 20_000 * BERA_GWEI);
    }

    #[test]
    fn activation_two_epochs_after_the_minimum_is_reached() {
        let (spec, mut s) = (spec(), state());
        add(&spec, &mut s, 1, 240_000);
        to_epoch_end(&spec, &mut s, 0);
        assert_eq!(
            s.validators[0].activation_eligibility_epoch,
            FAR_FUTURE_EPOCH
        );
        // Slot 5 (epoch 1): the top-up that reaches 250,000 BERA.
        add(&spec, &mut s, 1, 10_000);
        to_epoch_end(&spec, &mut s, 1);
        // Effective balance is updated after the registry at the end of epoch 1.
        assert_eq!(s.validators[0].effective_balance, 250_000 * BERA_GWEI);
        assert_eq!(
            s.validators[0].activation_eligibility_epoch,
            FAR_FUTURE_EPOCH
        );
        to_epoch_end(&spec, &mut s, 2);
        assert_eq!(s.validators[0].activation_eligibility_epoch, 3);
        to_epoch_end(&spec, &mut s, 3);
        assert_eq!(s.validators[0].activation_epoch, 4);
        assert!(!s.validators[0].is_active(3));
        assert!(s.validators[0].is_active(4));
    }

    #[test]
    fn the_cap_evicts_the_lowest_stake_and_the_smaller_pubkey_on_ties() {
        let (spec, mut s) = (spec(), state());
        for (key, bera) in [(3u8, 300_000u64), (1, 260_000), (2, 260_000)] {
            add(&spec, &mut s, key, bera);
        }
        to_epoch_end(&spec, &mut s, 0);
        to_epoch_end(&spec, &mut s, 1);
        // Three would be active in epoch 2 with a cap of 2: key 1 (260k, smaller pubkey) leaves.
        let exits: Vec<u64> = s.validators.iter().map(|v| v.exit_epoch).collect();
        assert_eq!(exits, vec![FAR_FUTURE_EPOCH, 2, FAR_FUTURE_EPOCH]);
        assert_eq!(s.validators[1].withdrawable_epoch, 4);
        // Withdrawable at epoch 4: the sweep pays its whole balance to the credentials address.
        process_slots(&spec, &mut s, 4 * spec.slots_per_epoch);
        let expected = expected_withdrawals(&spec, &s);
        assert_eq!(expected.withdrawals.len(), 2);
        assert_eq!(expected.withdrawals[1].validator_index, 1);
        assert_eq!(expected.withdrawals[1].amount, 260_000 * BERA_GWEI);
        assert_eq!(expected.withdrawals[1].address, vault());
        apply_withdrawals(&mut s, &expected);
        assert_eq!(s.balances[1], 0);
        assert_eq!(s.next_withdrawal_index, 1);
    }

    fn active_validator(spec: &ClSpec, s: &mut BeaconState, bera: u64) {
        add(spec, s, 1, bera);
        to_epoch_end(spec, s, 0);
        to_epoch_end(spec, s, 1);
        process_slots(spec, s, 2 * spec.slots_per_epoch + 1);
        assert!(s.validators[0].is_active(2));
    }

    #[test]
    fn a_partial_is_paid_delay_epochs_later_keeping_the_minimum() {
        let (spec, mut s) = (spec(), state());
        active_validator(&spec, &mut s, 300_000);
        let request = |amount| WithdrawalRequest {
            source_address: vault(),
            pubkey: BlsPubkey::repeat_byte(1),
            amount,
        };
        // Epoch 2: ask 20,000 then 40,000 BERA; only 30,000 stays above the minimum.
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request(20_000 * BERA_GWEI)),
            RequestOutcome::Partial(20_000 * BERA_GWEI)
        );
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request(40_000 * BERA_GWEI)),
            RequestOutcome::Partial(30_000 * BERA_GWEI)
        );
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request(1)),
            RequestOutcome::Dropped("no balance above the minimum")
        );
        // A full exit is ignored while partials are pending.
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request(0)),
            RequestOutcome::Dropped("full exit while partials are pending")
        );
        assert_eq!(
            s.pending_partial_withdrawals[0].withdrawable_epoch,
            2 + 1 + 2
        );
        // Epoch 4: not yet.
        process_slots(&spec, &mut s, 4 * spec.slots_per_epoch + 3);
        assert_eq!(expected_withdrawals(&spec, &s).withdrawals.len(), 1);
        // Epoch 5: both paid, in order, to the vault.
        process_slots(&spec, &mut s, 5 * spec.slots_per_epoch);
        let expected = expected_withdrawals(&spec, &s);
        let amounts: Vec<u64> = expected.withdrawals.iter().map(|w| w.amount).collect();
        assert_eq!(
            amounts,
            vec![10 * BERA_GWEI, 20_000 * BERA_GWEI, 30_000 * BERA_GWEI]
        );
        assert_eq!(expected.withdrawals[0].address, Address::repeat_byte(0x69));
        assert_eq!(expected.processed_partials, 2);
        apply_withdrawals(&mut s, &expected);
        assert_eq!(s.balances[0], 250_000 * BERA_GWEI);
        assert!(s.pending_partial_withdrawals.is_empty());
        // Now the exit goes through: out next epoch, withdrawable 2 epochs after.
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request(0)),
            RequestOutcome::Exit
        );
        assert_eq!(s.validators[0].exit_epoch, 6);
        assert_eq!(s.validators[0].withdrawable_epoch, 8);
    }

    #[test]
    fn a_replayed_payload_consumes_the_partials_it_paid_and_no_more() {
        let (mut spec, mut s) = (spec(), state());
        spec.validator_set_cap = 10;
        active_validator(&spec, &mut s, 300_000);
        add(&spec, &mut s, 2, 300_000);
        let request = |amount| WithdrawalRequest {
            source_address: vault(),
            pubkey: BlsPubkey::repeat_byte(1),
            amount,
        };
        process_withdrawal_request(&spec, &mut s, &request(20_000 * BERA_GWEI));
        process_withdrawal_request(&spec, &mut s, &request(30_000 * BERA_GWEI));
        // Queued behind them: a partial of validator 1, which is exiting (dropped whenever it
        // is looked at), and another of validator 0 nobody paid.
        s.validators[1].exit_epoch = 3;
        s.pending_partial_withdrawals.insert(
            1,
            PendingPartialWithdrawal {
                validator_index: 1,
                amount: 5_000 * BERA_GWEI,
                withdrawable_epoch: 5,
            },
        );
        s.pending_partial_withdrawals
            .push(PendingPartialWithdrawal {
                validator_index: 0,
                amount: 1_000 * BERA_GWEI,
                withdrawable_epoch: 5,
            });
        // Epoch 2: nothing is due under this spec, but the stored payload (built with shorter
        // delays) paid the first two partials of validator 0 and swept nothing else.
        assert_eq!(expected_withdrawals(&spec, &s).withdrawals.len(), 1);
        let pay = |index, amount| Withdrawal {
            index,
            validator_index: 0,
            address: vault(),
            amount,
        };
        let paid = vec![
            expected_withdrawals(&spec, &s).withdrawals[0],
            pay(0, 20_000 * BERA_GWEI),
            pay(1, 30_000 * BERA_GWEI),
        ];
        replay_withdrawals(&spec, &mut s, &paid);
        assert_eq!(s.balances[0], 250_000 * BERA_GWEI);
        assert_eq!(s.next_withdrawal_index, 2);
        // The two paid and the dropped one between them are gone; the unpaid one stays.
        assert_eq!(
            s.pending_partial_withdrawals,
            vec![PendingPartialWithdrawal {
                validator_index: 0,
                amount: 1_000 * BERA_GWEI,
                withdrawable_epoch: 5,
            }]
        );
        // When they come due under this spec, nothing is paid a second time: validator 0 is at
        // the minimum, so the last partial is dropped unpaid.
        process_slots(&spec, &mut s, 6 * spec.slots_per_epoch);
        assert_eq!(expected_withdrawals(&spec, &s).withdrawals.len(), 1);
        // A payment no partial explains (a sweep of validator 1) still comes off the balance.
        let sweep = Withdrawal {
            validator_index: 1,
            ..pay(2, 7 * BERA_GWEI)
        };
        replay_withdrawals(&spec, &mut s, &[sweep]);
        assert_eq!(s.balances[1], 299_993 * BERA_GWEI);
        assert_eq!(s.next_withdrawal_index, 3);
        assert_eq!(s.pending_partial_withdrawals.len(), 1);
    }

    #[test]
    fn requests_from_strangers_or_inactive_validators_are_dropped() {
        let (spec, mut s) = (spec(), state());
        add(&spec, &mut s, 1, 300_000);
        let mut request = WithdrawalRequest {
            source_address: vault(),
            pubkey: BlsPubkey::repeat_byte(1),
            amount: 0,
        };
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request),
            RequestOutcome::Dropped("validator not active")
        );
        request.source_address = Address::repeat_byte(1);
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request),
            RequestOutcome::Dropped("source is not the 0x01 credentials address")
        );
        request.pubkey = BlsPubkey::repeat_byte(9);
        assert_eq!(
            process_withdrawal_request(&spec, &mut s, &request),
            RequestOutcome::Dropped("unknown pubkey")
        );
    }

    #[test]
    fn the_sweep_is_bounded_per_payload() {
        let (mut spec, mut s) = (spec(), state());
        spec.validator_set_cap = 100;
        // 40 validators, all exited and withdrawable: 16 withdrawals, inflation included.
        for key in 0..40u8 {
            add(&spec, &mut s, key, 10_000);
            s.validators[key as usize].withdrawable_epoch = 0;
        }
        let expected = expected_withdrawals(&spec, &s);
        assert_eq!(expected.withdrawals.len(), MAX_WITHDRAWALS_PER_PAYLOAD);
        assert_eq!(expected.withdrawals[15].validator_index, 14);
        apply_withdrawals(&mut s, &expected);
        assert_eq!(s.next_withdrawal_validator_index, 15);
        assert_eq!(s.next_withdrawal_index, 15);
        // Excess over the maximum effective balance is swept as a partial.
        let (spec, mut s) = (self::spec(), state());
        add(&spec, &mut s, 1, 10_000_500);
        let expected = expected_withdrawals(&spec, &s);
        assert_eq!(expected.withdrawals[1].amount, 500 * BERA_GWEI);
    }

    #[test]
    fn proposers_are_drawn_by_stake() {
        let (mut spec, mut s) = (spec(), state());
        spec.validator_set_cap = 10;
        add(&spec, &mut s, 1, 750_000);
        add(&spec, &mut s, 2, 250_000);
        assert_eq!(proposer_index(&spec, &s), None);
        to_epoch_end(&spec, &mut s, 0);
        to_epoch_end(&spec, &mut s, 1);
        let mut counts = [0u32; 2];
        for slot in 8..4008 {
            process_slots(&spec, &mut s, slot);
            process_randao(&spec, &mut s);
            counts[proposer_index(&spec, &s).unwrap() as usize] += 1;
        }
        // 3:1 stake; 4,000 draws land within a few percent of 3,000 / 1,000.
        assert!((2_850..3_150).contains(&counts[0]), "{counts:?}");
    }
}
