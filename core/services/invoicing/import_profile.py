"""Import profiles: how one practice software's export differs from the product's own format.

A profile is a TOML file (or a built-in one by name, shipped in `profiles/`):

    [spalten]                # Spalte im Produkt = Spalte in der Datei
    Rechnungsnummer = "RE-Nr"
    [format]
    datum = "TT.MM.JJ"       # TT.MM.JJJJ, TT.MM.JJ oder ISO
    dezimalzeichen = ","
    tausendertrennzeichen = "."
    trennzeichen = ";"       # CSV only
    zeichensatz = "auto"     # auto, utf-8, utf-16, cp1252
    ignorieren = ["Kundennummer"]   # columns of the file the product does not need
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from core.domain.errors import InvalidInput
from core.domain.invoice_rows import COLUMNS

__all__ = [
    "DATE_STYLES",
    "DEFAULT",
    "ENCODINGS",
    "ImportProfile",
    "builtin_names",
    "load_profile",
    "parse_profile",
]

DATE_STYLES = ("TT.MM.JJJJ", "TT.MM.JJ", "ISO")
ENCODINGS = {
    "auto": None,
    "utf-8": "utf-8-sig",
    "utf-16": "utf-16",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
}
_HINT = 'Bitte im Profil so angeben: [spalten] Rechnungsnummer = "RE-Nr" (links der Name im Produkt).'


@dataclass(frozen=True)
class ImportProfile:
    name: str = "standard"
    columns: dict[str, str] = field(default_factory=dict)  # product column -> the file's column
    ignored: frozenset[str] = frozenset()
    date_style: str = "TT.MM.JJJJ"
    decimal: str = ","
    thousands: str = "."
    delimiter: str = ";"
    encoding: str | None = None  # None: detected

    @property
    def converts_cells(self) -> bool:
        """Whether date or amount cells need rewriting into the product's own format."""
        return self.date_style == "TT.MM.JJ" or (self.decimal, self.thousands) != (",", ".")


DEFAULT = ImportProfile()


def builtin_names() -> list[str]:
    """The profiles shipped with the product, by name."""
    folder = resources.files("core.services.invoicing") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(spec: str | Path | None) -> ImportProfile:
    """A built-in profile by name, or a TOML file by path; None is the product's own format."""
    if spec is None or spec == "":
        return DEFAULT
    path = Path(spec)
    if str(spec) in builtin_names():
        text = (resources.files("core.services.invoicing") / "profiles" / f"{spec}.toml").read_text("utf-8")
        return parse_profile(text, name=str(spec))
    if path.suffix != ".toml" and not path.exists():
        names = ", ".join(builtin_names())
        raise InvalidInput(
            f"Ein Profil „{spec}“ gibt es nicht. Eingebaut sind: {names}; oder eine .toml-Datei."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"Die Profildatei {path.name} ist nicht lesbar. Bitte Pfad prüfen.") from None
    return parse_profile(text, name=path.name)


def parse_profile(text: str, *, name: str) -> ImportProfile:
    """Check a profile's TOML text; every mistake refused with a German message naming it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            f"Das Profil {name} ist kein gültiges TOML ({exc}). Namen mit Umlaut, ß oder Leerzeichen "
            'bitte in Anführungszeichen: "Fällig am" = "Fälligkeit".'
        ) from None
    unknown_tables = sorted(set(data) - {"spalten", "format"})
    if unknown_tables:
        raise InvalidInput(
            f"Das Profil {name} hat unbekannte Abschnitte: {', '.join(unknown_tables)}. {_HINT}"
        )
    columns = _columns(data.get("spalten", {}), name)
    fmt: dict[str, Any] = data.get("format", {})
    if fmt.get("dezimalzeichen", ",") == fmt.get("tausendertrennzeichen", "."):
        raise InvalidInput(
            f"Das Profil {name}: Dezimalzeichen und Tausendertrennzeichen müssen verschieden sein."
        )
    return ImportProfile(
        name=name,
        columns=columns,
        ignored=frozenset(_strings(fmt.get("ignorieren", []), "ignorieren", name)),
        date_style=_choice(fmt, "datum", DATE_STYLES, "TT.MM.JJJJ", name),
        decimal=_choice(fmt, "dezimalzeichen", (",", "."), ",", name),
        thousands=_choice(fmt, "tausendertrennzeichen", (".", ",", "", " ", "'"), ".", name),
        delimiter=_choice(fmt, "trennzeichen", (";", ",", "\t", "|"), ";", name),
        encoding=ENCODINGS[_choice(fmt, "zeichensatz", tuple(ENCODINGS), "auto", name)],
    )


def _columns(raw: object, name: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise InvalidInput(f"Das Profil {name}: [spalten] muss Namen auf Namen abbilden. {_HINT}")
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise InvalidInput(
            f"Das Profil {name} nennt unbekannte Spalten des Produkts: {', '.join(unknown)}. {_HINT}"
        )
    return {product: file.strip() for product, file in raw.items()}


def _choice(fmt: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, name: str) -> str:
    value = fmt.get(key, default)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise InvalidInput(f"Das Profil {name}: „{key}“ = {value!r} geht nicht; erlaubt ist {shown}.")
    return str(value)


def _strings(value: object, key: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"Das Profil {name}: „{key}“ bitte als Liste von Spaltennamen angeben.")
    return [v.strip() for v in value]
