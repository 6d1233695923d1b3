"""The domain, one module per capability. No aiogram here: plain values and AsyncSession."""
