"""Value objects: firms, institutes, support programs, the hub, and a population of them.

All are attrs ``@frozen(kw_only=True)`` classes: converters normalise input (labels to enums,
iterables to frozensets) and validators reject bad values with a
:class:`~rootmatch.exceptions.ValidationError` naming the field and the value. Change them
with :func:`attrs.evolve`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from attrs import field, frozen

from .exceptions import ValidationError
from .taxonomy import (
    District,
    Funding,
    InstituteKind,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)

if TYPE_CHECKING:
    from .rules import Rule
    from .synth import Truth
    from .table import FirmTable

__all__ = [
    "Firm",
    "Institute",
    "Participation",
    "Population",
    "Program",
    "SupportCenter",
    "parse_period_end",
    "parse_period_start",
]

#: An id, matched whole (``fullmatch``: ``$`` would let a trailing newline through).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")
SMALL_FIRM_LIMIT = 10
#: Head counts are stored as int32 in :class:`~rootmatch.FirmTable`.
_MAX_EMPLOYEES = 2**31 - 1


# --- converters and validators -----------------------------------------------------------
def _naming(field_name: str, convert: Callable[[object], Any]) -> Callable[[object], Any]:
    """Wrap a converter so that its errors name ``field_name`` (converters do not know it)."""

    def wrapped(value: object) -> Any:
        try:
            return convert(value)
        except ValidationError as err:
            raise type(err)(f"{field_name}: {err}", field=field_name, value=value) from err
        except (TypeError, ValueError, KeyError) as err:
            raise ValidationError(
                f"{field_name}: cannot read {value!r} ({err})", field=field_name, value=value
            ) from err

    wrapped.__name__ = f"to_{field_name}"
    return wrapped


def _enum_set(enum_cls: type[LabelledEnum], field_name: str) -> Callable[[object], Any]:
    return _naming(field_name, enum_cls.parse_many)


def _str_set(values: object) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [v.strip() for v in values.replace("|", ";").split(";") if v.strip()]
    return frozenset(str(v).strip() for v in values)  # type: ignore[attr-defined]


_TRUE = frozenset({"true", "t", "yes", "y", "1", "예", "o"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "아니오", "x", ""})


def _to_bool(value: object) -> bool:
    """Booleans, 0/1 and the usual yes/no words (CSV input); anything else is an error."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and int(value) in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in _TRUE | _FALSE:
        return value.strip().casefold() in _TRUE
    raise ValidationError(f"must be a boolean (true/false, yes/no, 1/0), got {value!r}",
                          value=value)


def _check_ids(instance: object, attribute: attrs.Attribute, value: frozenset[str]) -> None:  # type: ignore[type-arg]
    bad = sorted(v for v in value if not _ID.fullmatch(v))
    if bad:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must hold ids (letters, digits, '_', '-'"
            f" or '.'), got {bad[0]!r}",
            field=attribute.name,
            value=bad[0],
        )


def _check_id(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be 1-64 letters, digits, '_', '-'"
            f" or '.', starting with a letter or digit; got {value!r}",
            field=attribute.name,
            value=value,
        )


def _check_text(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a non-empty string, got {value!r}",
            field=attribute.name,
            value=value,
        )
    _check_encodable(instance, attribute, value)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_encodable(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    """Text must be encodable (no lone surrogates) and hold no NUL, or no file, table or
    registry could hold it."""
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} holds a lone surrogate "
            f"(U+D800-U+DFFF), which no file can hold; got {value!r}",
            field=attribute.name,
            value=value,
        )
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} holds a NUL character, which no "
            f"table can hold; got {value!r}",
            field=attribute.name,
            value=value,
        )


def _int_in(lo: int | None, hi: int | None) -> Callable[..., None]:
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)  # type: ignore[operator]
        if not ok:
            bounds = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
            raise ValidationError(
                f"{type(instance).__name__}.{attribute.name} must be an integer {bounds}, "
                f"got {value!r}",
                field=attribute.name,
                value=value,
            )

    return check


def _unit_interval(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not ok or not (0.0 <= float(value) <= 1.0):  # type: ignore[arg-type]
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a number in [0, 1], got {value!r}",
            field=attribute.name,
            value=value,
        )


_INT_TEXT = re.compile(r"[+-]?[0-9]+")


def _to_int(value: object) -> object:
    """Accept integral floats and ASCII digit strings (from CSV), leave anything else
    (``"²"``, ``"--5"``, ``"1_000"``) to validation, which names the field."""
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _to_float(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _to_enum(enum_cls: type[LabelledEnum], field_name: str) -> Callable[[object], Any]:
    return _naming(field_name, enum_cls.parse)


def _to_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        from ._validation import parse_date

        try:
            return parse_date(value)
        except ValidationError as err:
            raise ValidationError(f"not a date YYYY-MM-DD: {value!r}", value=value) from err
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").item()
    return value


def _is_date(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, dt.date):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a date, got {value!r}",
            field=attribute.name,
            value=value,
        )


_PERIOD = re.compile(r"[0-9]{4}(-[0-9]{2}){0,2}")


def _period_parts(text: str) -> list[int]:
    """The numbers of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ASCII digits only)."""
    if not isinstance(text, str) or not _PERIOD.fullmatch(text.strip()):
        raise ValidationError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}",
                              field="period", value=text)
    return [int(p) for p in text.strip().split("-")]


def parse_period_start(text: str) -> dt.date:
    """The first day of a period given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Examples
    --------
    >>> parse_period_start("2022-08"), parse_period_start("2019")
    (datetime.date(2022, 8, 1), datetime.date(2019, 1, 1))
    """
    parts = _period_parts(text)
    year, month, day = [*parts, 1, 1][:3]
    return dt.date(year, month, day)


def parse_period_end(text: str) -> dt.date:
    """The last day of a period given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Examples
    --------
    >>> parse_period_end("2025-12"), parse_period_end("2026"), parse_period_end("2024-02")
    (datetime.date(2025, 12, 31), datetime.date(2026, 12, 31), datetime.date(2024, 2, 29))
    """
    parts = _period_parts(text)
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return dt.date(*parts[:3])


# --- entities ----------------------------------------------------------------------------
@frozen(kw_only=True)
class Participation:
    """A firm's participation in a program, dated by the day it began.

    Examples
    --------
    >>> Participation(program_id="BS24-05", on="2023-03-02").on
    datetime.date(2023, 3, 2)
    """

    program_id: str = field(validator=_check_id)
    on: dt.date = field(converter=_naming("on", _to_date), validator=_is_date)


def _to_participations(values: object) -> tuple[Participation, ...]:
    if values is None:
        return ()
    out = []
    for v in values:  # type: ignore[attr-defined]
        if isinstance(v, Participation):
            out.append(v)
        elif isinstance(v, Mapping):
            out.append(Participation(program_id=v["program_id"], on=v["on"]))
        else:
            program_id, on = v
            out.append(Participation(program_id=program_id, on=on))
    return tuple(sorted(out, key=lambda p: (p.on, p.program_id)))


def _nonempty(instance: object, attribute: attrs.Attribute, value: frozenset[Any]) -> None:  # type: ignore[type-arg]
    if not value:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must not be empty, got {value!r}",
            field=attribute.name,
            value=value,
        )


@frozen(kw_only=True)
class Firm:
    """A root-industry firm.

    Parameters
    ----------
    id : str
        The firm's id, e.g. ``"F000123"``.
    name : str
    technologies : iterable of RootTechnology or labels
        At least one.
    employees : int
        Head count, ``>= 0``. A *small firm* has ``employees < 10``.
    district : District or label
    founded : int or None
        Founding year.
    workforce_40plus : float in [0, 1]
        Share of the workforce aged 40 or older.
    foreign_share : float in [0, 1]
        Share of foreign workers.
    digital_level : int in [0, 4]
        Smart-factory maturity: 0 none, 1 basic, 2 intermediate-1, 3 intermediate-2, 4 advanced.
    materials, needs, topics : iterables of Material, SupportAxis, Topic (or labels)
    certified : bool
        Holds a root-firm certificate (뿌리기업 확인서).
    memberships : iterable of str
        Institute ids the firm is a member of (cooperatives).
    participations : iterable of Participation
    cluster : str
        The industrial complex the firm sits in, if known (e.g. ``"녹산"``).

    Examples
    --------
    >>> f = Firm(id="F1", name="사상금형", technologies=["금형"], employees=7, district="사상구")
    >>> f.is_small, sorted(t.name for t in f.technologies), f.district.label_en
    (True, ['MOLD'], 'Sasang-gu')
    """

    id: str = field(validator=_check_id)
    name: str = field(validator=_check_text)
    technologies: frozenset[RootTechnology] = field(
        converter=_enum_set(RootTechnology, "technologies"), validator=_nonempty
    )
    employees: int = field(converter=_to_int, validator=_int_in(0, _MAX_EMPLOYEES))
    district: District = field(converter=_to_enum(District, "district"))
    founded: int | None = field(default=None, converter=attrs.converters.optional(_to_int))
    workforce_40plus: float = field(default=0.658, converter=_to_float, validator=_unit_interval)
    foreign_share: float = field(default=0.0, converter=_to_float, validator=_unit_interval)
    digital_level: int = field(default=0, converter=_to_int, validator=_int_in(0, 4))
    materials: frozenset[Material] = field(
        factory=frozenset, converter=_enum_set(Material, "materials")
    )
    needs: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "needs")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    certified: bool = field(default=False, converter=_naming("certified", _to_bool))
    memberships: frozenset[str] = field(
        factory=frozenset, converter=_naming("memberships", _str_set), validator=_check_ids
    )
    participations: tuple[Participation, ...] = field(
        factory=tuple, converter=_naming("participations", _to_participations)
    )
    cluster: str = field(default="", converter=lambda v: "" if v is None else str(v),
                         validator=_check_encodable)

    @founded.validator
    def _check_founded(self, attribute: attrs.Attribute, value: int | None) -> None:  # type: ignore[type-arg]
        if value is not None:
            _int_in(1900, 2100)(self, attribute, value)

    @property
    def is_small(self) -> bool:
        """Fewer than 10 employees."""
        return self.employees < SMALL_FIRM_LIMIT

    def participated(self, program_id: str, *, before: dt.date | None = None) -> bool:
        """Whether the firm took part in ``program_id`` (strictly before ``before`` if given)."""
        return any(
            p.program_id == program_id and (before is None or p.on < before)
            for p in self.participations
        )


@frozen(kw_only=True)
class Institute:
    """A university, research institute, cooperative, technopark or public agency.

    Examples
    --------
    >>> i = Institute(id="KIMM-BUSAN", name_ko="한국기계연구원 부산기계기술연구센터",
    ...               name_en="KIMM Busan Machinery Research Center", kind="research institute",
    ...               district="강서구", expertise=["용접"], services=["기술 개발"])
    >>> i.kind.name, i.district.name
    ('RESEARCH', 'GANGSEO')
    """

    id: str = field(validator=_check_id)
    name_ko: str = field(validator=_check_text)
    name_en: str = field(validator=_check_text)
    kind: InstituteKind = field(converter=_to_enum(InstituteKind, "kind"))
    district: District | None = field(
        default=None, converter=attrs.converters.optional(_to_enum(District, "district"))
    )
    expertise: frozenset[RootTechnology] = field(
        factory=frozenset, converter=_enum_set(RootTechnology, "expertise")
    )
    services: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "services")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    description: str = field(default="", validator=_check_encodable)
    source: str = field(default="", validator=_check_encodable)

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en


def _to_rules(values: object) -> tuple[Rule, ...]:
    """Rules as given, or read from their :meth:`~rootmatch.rules.Rule.to_dict` form."""
    out = []
    for v in values if values is not None else ():  # type: ignore[attr-defined]
        if isinstance(v, Mapping):
            from .rules import rule_from_dict

            v = rule_from_dict(v)
        # the rule interface, checked by shape: rules.py imports this module, not vice versa
        if not all(callable(getattr(v, m, None)) for m in ("mask", "describe", "remedy")):
            raise ValidationError(f"not a Rule: {v!r}", value=v)
        out.append(v)
    return tuple(out)


@frozen(kw_only=True)
class Program:
    """A support program with its period, funding, axis, targets and eligibility rules.

    ``start`` and ``end`` are both inclusive.

    Examples
    --------
    >>> import datetime as dt
    >>> p = Program(id="P1", name_ko="시범사업", name_en="Pilot", axis="기술 개발",
    ...             start="2024-01-01", end="2024-12-31", funding="city")
    >>> p.is_active(dt.date(2024, 12, 31)), p.is_active(dt.date(2025, 1, 1))
    (True, False)
    """

    id: str = field(validator=_check_id)
    name_ko: str = field(validator=_check_text)
    name_en: str = field(validator=_check_text)
    axis: SupportAxis = field(converter=_to_enum(SupportAxis, "axis"))
    start: dt.date = field(converter=_naming("start", _to_date), validator=_is_date)
    end: dt.date = field(converter=_naming("end", _to_date), validator=_is_date)
    funding: Funding = field(converter=_to_enum(Funding, "funding"))
    targets: frozenset[RootTechnology] = field(
        factory=frozenset, converter=_enum_set(RootTechnology, "targets")
    )
    axes: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "axes")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    rules: tuple[Rule, ...] = field(factory=tuple, converter=_naming("rules", _to_rules))
    capacity: int | None = field(default=None, converter=attrs.converters.optional(_to_int))
    capacity_assumed: bool = field(default=True, converter=_naming("capacity_assumed", _to_bool))
    operators: frozenset[str] = field(
        factory=frozenset, converter=_naming("operators", _str_set), validator=_check_ids
    )
    description: str = field(default="", validator=_check_encodable)
    notes: str = field(default="", validator=_check_encodable)

    @end.validator
    def _check_end(self, attribute: attrs.Attribute, value: dt.date) -> None:  # type: ignore[type-arg]
        if value < self.start:
            raise ValidationError(
                f"Program.{attribute.name} {value} is before Program.start {self.start}",
                field=attribute.name,
                value=value,
            )

    @capacity.validator
    def _check_capacity(self, attribute: attrs.Attribute, value: int | None) -> None:  # type: ignore[type-arg]
        if value is not None:
            _int_in(0, None)(self, attribute, value)

    @property
    def all_axes(self) -> frozenset[SupportAxis]:
        """The primary axis together with any secondary ones."""
        return self.axes | {self.axis}

    def is_active(self, on: dt.date) -> bool:
        """Whether ``on`` falls within the program's period, both ends inclusive."""
        from ._validation import check_date

        on = check_date(on)
        return self.start <= on <= self.end

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en


@frozen(kw_only=True)
class SupportCenter:
    """The hub: the proposed Busan Root-Industry Comprehensive Support Center.

    Examples
    --------
    >>> SupportCenter().name("en")
    'Busan Root-Industry Comprehensive Support Center'
    """

    id: str = field(default="hub", validator=_check_id)
    name_ko: str = "부산뿌리산업종합지원센터"
    name_en: str = "Busan Root-Industry Comprehensive Support Center"
    district: District | None = field(
        default=None, converter=attrs.converters.optional(_to_enum(District, "district"))
    )
    description: str = ""

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en


def _to_dict_by_id(values: object) -> dict[str, Any]:
    if values is None:
        return {}
    if isinstance(values, Mapping):
        for key, v in values.items():
            if key != getattr(v, "id", None):
                raise ValidationError(f"key {key!r} differs from the entity's id "
                                      f"{getattr(v, 'id', None)!r}", value=key)
        return dict(values)
    return entities_by_id(values)  # type: ignore[arg-type]


def _to_table(values: object) -> FirmTable:
    if hasattr(values, "tech_mask") and hasattr(values, "ids"):  # a FirmTable already
        return values  # type: ignore[return-value]
    from .table import FirmTable

    return FirmTable.from_firms(values)  # type: ignore[arg-type]


def _to_pairs(values: object) -> np.ndarray:
    arr = np.asarray(values if values is not None else np.empty((0, 2)), dtype=str)
    if arr.size == 0:
        arr = np.empty((0, 2), dtype="<U1")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(f"links must have shape (m, 2), got {arr.shape}", value=arr.shape)
    arr.setflags(write=False)
    return arr


_ARRAY_EQ = attrs.cmp_using(eq=np.array_equal)


@frozen(kw_only=True)
class Population:
    """Firms, institutes and programs, the observed links between them, and (for synthetic
    populations) the held-out truth.

    Attributes
    ----------
    firms : FirmTable
    institutes, programs : dict of id -> entity
    collaborations : ndarray of str, shape (m, 2)
        Observed firm–firm collaborations as pairs of firm ids, each pair once.
    institute_links : ndarray of str, shape (m, 2)
        Observed firm–institute collaborations as (firm id, institute id).
    hub : SupportCenter
    truth : Truth or None
        Held-out links and the oracle of a synthetic population; ``None`` for real data.
        Nothing the network or the engine reads depends on it.

    Firms may be given as a :class:`~rootmatch.FirmTable` or as :class:`Firm` objects;
    institutes and programs as dicts by id or as iterables. Links must name known ids.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> pop = rm.Population(
    ...     firms=[rm.Firm(id="F1", name="A", technologies=["금형"], employees=7,
    ...                    district="사상구", memberships=["BGMC"]),
    ...            rm.Firm(id="F2", name="B", technologies=["사출·프레스"], employees=4,
    ...                    district="강서구")],
    ...     institutes=cat.institutes, programs=cat.programs,
    ...     collaborations=[("F1", "F2")], institute_links=[("F2", "KIMM-BUSAN")])
    >>> len(pop), pop.firms.ids.tolist(), pop.truth is None
    (2, ['F1', 'F2'], True)
    """

    firms: FirmTable = field(converter=_naming("firms", _to_table))
    institutes: dict[str, Institute] = field(
        factory=dict, converter=_naming("institutes", _to_dict_by_id)
    )
    programs: dict[str, Program] = field(
        factory=dict, converter=_naming("programs", _to_dict_by_id)
    )
    collaborations: np.ndarray = field(
        factory=lambda: _to_pairs(None), converter=_naming("collaborations", _to_pairs),
        eq=_ARRAY_EQ,
    )
    institute_links: np.ndarray = field(
        factory=lambda: _to_pairs(None), converter=_naming("institute_links", _to_pairs),
        eq=_ARRAY_EQ,
    )
    hub: SupportCenter = field(factory=SupportCenter)
    truth: Truth | None = field(default=None, eq=False)

    @collaborations.validator
    def _check_collaborations(self, attribute: attrs.Attribute, value: np.ndarray) -> None:  # type: ignore[type-arg]
        if value.shape[0] == 0:
            return
        unknown = ~np.isin(value, self.firms.ids)
        if unknown.any():
            bad = str(value[unknown][0])
            raise ValidationError(f"{attribute.name}: unknown firm id {bad!r}",
                                  field=attribute.name, value=bad)
        same = value[:, 0] == value[:, 1]
        if same.any():
            bad = str(value[same][0, 0])
            raise ValidationError(f"{attribute.name}: firm {bad!r} paired with itself",
                                  field=attribute.name, value=bad)

    @institute_links.validator
    def _check_institute_links(self, attribute: attrs.Attribute, value: np.ndarray) -> None:  # type: ignore[type-arg]
        if value.shape[0] == 0:
            return
        for col, known, what in ((0, self.firms.ids, "firm"),
                                 (1, np.asarray(sorted(self.institutes), dtype=str), "institute")):
            unknown = ~np.isin(value[:, col], known)
            if unknown.any():
                bad = str(value[unknown, col][0])
                raise ValidationError(f"{attribute.name}: unknown {what} id {bad!r}",
                                      field=attribute.name, value=bad)

    def __len__(self) -> int:
        return len(self.firms)

    def summary(self) -> Any:
        """The calibration report of a synthetic population (see :mod:`rootmatch.synth`)."""
        from .synth import summarize

        return summarize(self)


def entities_by_id(values: Iterable[Any]) -> dict[str, Any]:
    """Index entities by their ``id``, refusing duplicates."""
    out: dict[str, Any] = {}
    for v in values:
        if v.id in out:
            raise ValidationError(f"duplicate id {v.id!r}", field="id", value=v.id)
        out[v.id] = v
    return out
