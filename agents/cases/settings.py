"""Creditor details that notification commands carry to the templates, from RELANCE_CREDITOR_* variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CreditorSettings(BaseSettings):
    """How the debtor reaches and pays the creditor; the defaults are demo values."""

    model_config = SettingsConfigDict(env_prefix="RELANCE_CREDITOR_", extra="ignore")

    name: str = "Relance Démo SAS"
    email: str = "recouvrement@relance.example"
    phone: str = "+33 1 23 45 67 89"
    iban: str = Field("FR7630006000011234567890189", description="IBAN for payment by transfer.")
    bic: str = "AGRIFRPPXXX"
    address: str = Field("12 rue de la Paix, 75002 Paris, France", description="Postal address, on one line.")
    payment_deadline_days: int = Field(
        8, ge=1, description="Days the debtor is given to pay in a reminder that states a deadline."
    )
    payment_link_base: str = Field("https://pay.relance.example/c/", description="The case id is appended to it.")
    instalments_link_base: str = "https://pay.relance.example/instalments/"
    cash_points_link: str = "https://pay.relance.example/cash-points"


@lru_cache(maxsize=1)
def get_creditor_settings() -> CreditorSettings:
    return CreditorSettings()
