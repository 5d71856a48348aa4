"""Where personal data may go without a transfer consent (notice §8): the EU/EEA, as data."""

from __future__ import annotations

# The 27 EU member states and the three other EEA states (Iceland, Liechtenstein, Norway),
# ISO 3166-1 alpha-2. Greece is GR here (the EU's own "EL" is accepted as an alias).
EU_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip
OTHER_EEA_STATES = frozenset({"IS", "LI", "NO"})
EEA = EU_MEMBER_STATES | OTHER_EEA_STATES
ALIASES = {"EL": "GR", "UK": "GB"}


def normalise_country(code: str) -> str:
    """Upper-case ISO alpha-2, with the EU's own aliases mapped."""
    code = code.strip().upper()
    return ALIASES.get(code, code)


def inside_eea(code: str) -> bool:
    """Whether a destination country is in the EU/EEA."""
    return normalise_country(code) in EEA
