"""Settings of the bank-file intake, read from RELANCE_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DebtorIdRule = Literal["none", "mandate_id", "end_to_end_id"]


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELANCE_", extra="ignore")

    debtor_id_rule: DebtorIdRule = Field(
        "none",
        description=(
            "Fallback when no payment or debtor profile names the debtor: none sends the event to the DLQ, "
            "mandate_id or end_to_end_id uses that field of the event as the debtor id."
        ),
    )
