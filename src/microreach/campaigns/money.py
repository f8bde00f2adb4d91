"""Money as integer minor units and an ISO 4217 currency; parsing and display, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from microreach.kit.errors import InvalidError

# Active ISO 4217 codes by minor-unit exponent (ISO 4217 list one, 2024 edition).
_TABLE = """
0: BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF
2: AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
2: BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR
2: FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW
2: KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
2: NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD
2: SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS
2: VED VES WST XCD YER ZAR ZMW ZWG
3: BHD IQD JOD KWD LYD OMR TND
4: CLF UYW
"""
CURRENCIES: dict[str, int] = {
    code: int(exponent)
    for exponent, codes in (line.split(":") for line in _TABLE.strip().splitlines())
    for code in codes.split()
}
MAX_MINOR = 10**15  # a sanity bound well inside BIGINT


def check_currency(raw: str, field: str = "currency") -> str:
    """The ISO 4217 code ``raw`` names (any case); InvalidError for an unknown code."""
    code = raw.strip().upper()
    if code not in CURRENCIES:
        raise InvalidError(
            f"{raw.strip() or 'nothing'} is not an ISO 4217 currency code (e.g. EUR, USD, GBP).",
            field=field,
        )
    return code


def check_amount(minor: int, field: str) -> int:
    if minor < 0:
        raise InvalidError("must not be negative.", field=field)
    if minor > MAX_MINOR:
        raise InvalidError("is too large.", field=field)
    return minor


def parse_amount(raw: str, currency: str, field: str) -> int:
    """Minor units of a decimal amount typed by a person ("1500", "1,500.50"); exact."""
    text = raw.strip().replace(",", "").replace("_", "")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidError(f"{raw.strip()} is not an amount.", field=field) from None
    exponent = CURRENCIES[currency]
    minor = value.scaleb(exponent)
    if not value.is_finite() or minor != minor.to_integral_value():
        raise InvalidError(
            f"{currency} has {exponent} decimal places; {raw.strip()} has more.", field=field
        )
    return check_amount(int(minor), field)


def format_amount(minor: int, currency: str) -> str:
    """12345, EUR -> "123.45 EUR"."""
    exponent = CURRENCIES.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    text = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    return f"{sign}{text} {currency}"


def plain_amount(minor: int, currency: str) -> str:
    """12345, EUR -> "123.45" (for CSV and form values)."""
    exponent = CURRENCIES.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")
