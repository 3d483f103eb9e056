//! ERC-4626 share maths with virtual offset 1 (OpenZeppelin v5, `_decimalsOffset() = 0`):
//! `shares = a·(S+1)/(A+1)`, `assets = s·(A+1)/(S+1)`, each preview rounding in the vault's favour.
//! Products are taken in 512 bits, so no input overflows silently.

use alloy_primitives::{U256, U512};

use crate::error::PoolError;

/// Direction of a division's rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward zero.
    Floor,
    /// Away from zero.
    Ceil,
}

/// `a · b / d`, rounded as asked, with a 512-bit intermediate.
pub fn mul_div(a: U256, b: U256, d: U256, rounding: Rounding) -> Result<U256, PoolError> {
    if d.is_zero() {
        return Err(PoolError::ValueOverflow);
    }
    let product = U512::from(a) * U512::from(b);
    let d = U512::from(d);
    let mut quotient = product / d;
    if rounding == Rounding::Ceil && !(product % d).is_zero() {
        quotient += U512::from(1u8);
    }
    if quotient > U512::from(U256::MAX) {
        return Err(PoolError::ValueOverflow);
    }
    Ok(quotient.to::<U256>())
}

/// A pool's supply `S` and total assets `A` at one moment: the conversions and previews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharePrice {
    /// `totalSupply()`.
    pub supply: U256,
    /// `totalAssets()`.
    pub assets: U256,
}

impl SharePrice {
    fn shares_for(self, assets: U256, rounding: Rounding) -> Result<U256, PoolError> {
        let s = self
            .supply
            .checked_add(U256::from(1u8))
            .ok_or(PoolError::ValueOverflow)?;
        let a = self
            .assets
            .checked_add(U256::from(1u8))
            .ok_or(PoolError::ValueOverflow)?;
        mul_div(assets, s, a, rounding)
    }

    fn assets_for(self, shares: U256, rounding: Rounding) -> Result<U256, PoolError> {
        let s = self
            .supply
            .checked_add(U256::from(1u8))
            .ok_or(PoolError::ValueOverflow)?;
        let a = self
            .assets
            .checked_add(U256::from(1u8))
            .ok_or(PoolError::ValueOverflow)?;
        mul_div(shares, a, s, rounding)
    }

    /// `convertToShares` = `previewDeposit`: floor.
    pub fn convert_to_shares(&self, assets: U256) -> Result<U256, PoolError> {
        self.shares_for(assets, Rounding::Floor)
    }

    /// `convertToAssets` = `previewRedeem`: floor.
    pub fn convert_to_assets(&self, shares: U256) -> Result<U256, PoolError> {
        self.assets_for(shares, Rounding::Floor)
    }

    /// `previewDeposit`: shares for `assets`, floor.
    pub fn preview_deposit(&self, assets: U256) -> Result<U256, PoolError> {
        self.shares_for(assets, Rounding::Floor)
    }

    /// `previewMint`: assets for `shares`, ceil.
    pub fn preview_mint(&self, shares: U256) -> Result<U256, PoolError> {
        self.assets_for(shares, Rounding::Ceil)
    }

    /// `previewWithdraw`: shares burnt for `assets`, ceil.
    pub fn preview_withdraw(&self, assets: U256) -> Result<U256, PoolError> {
        self.shares_for(assets, Rounding::Ceil)
    }

    /// `previewRedeem`: assets for `shares`, floor (audit L-4).
    pub fn preview_redeem(&self, shares: U256) -> Result<U256, PoolError> {
        self.assets_for(shares, Rounding::Floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u128) -> U256 {
        U256::from(n)
    }

    #[test]
    fn empty_pool_is_one_to_one() {
        let p = SharePrice {
            supply: U256::ZERO,
            assets: U256::ZERO,
        };
        assert_eq!(p.preview_deposit(u(10_000)).unwrap(), u(10_000));
        assert_eq!(p.preview_redeem(u(10_000)).unwrap(), u(10_000));
    }

    #[test]
    fn every_preview_rounds_its_own_way() {
        // S = 10, A = 20: shares = a·11/21, assets = s·21/11.
        let p = SharePrice {
            supply: u(10),
            assets: u(20),
        };
        assert_eq!(p.convert_to_shares(u(5)).unwrap(), u(2)); // 55/21 = 2.62
        assert_eq!(p.preview_deposit(u(5)).unwrap(), u(2));
        assert_eq!(p.preview_withdraw(u(5)).unwrap(), u(3));
        assert_eq!(p.convert_to_assets(u(3)).unwrap(), u(5)); // 63/11 = 5.73
        assert_eq!(p.preview_redeem(u(3)).unwrap(), u(5));
        assert_eq!(p.preview_mint(u(3)).unwrap(), u(6));
        // Exact divisions do not round up.
        assert_eq!(p.preview_withdraw(u(21)).unwrap(), u(11));
        assert_eq!(p.preview_mint(u(11)).unwrap(), u(21));
    }

    #[test]
    fn huge_values_do_not_overflow_silently() {
        let p = SharePrice {
            supply: U256::MAX - u(1),
            assets: U256::ZERO,
        };
        assert_eq!(p.preview_deposit(u(2)), Err(PoolError::ValueOverflow));
        let p = SharePrice {
            supply: U256::MAX,
            assets: U256::ZERO,
        };
        assert_eq!(p.preview_deposit(u(1)), Err(PoolError::ValueOverflow));
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, U256::MAX, Rounding::Ceil).unwrap(),
            U256::MAX
        );
    }
}
