"""geo.plan.kpi: every KPI of the document, edge cases, errors, and property tests of number formats."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import plan_document as doc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.plan.kpi import KPIError, parse_kpi, parse_year

DOC_KPIS = [k for r in doc.regions() for p in r.projects for k in p.kpis]

# Written independently of geo.plan.kpi: what a reader of the document knows.
MULTIPLIER = {"億": 10**8, "万": 10**4, "千": 10**3}
ERA_BASE = {"H": 1988, "R": 2018}


def _expected_side(side: str) -> tuple[Decimal, str]:
    """(value in base units, year text) of one side of '→', read with plain regexes."""
    side = side.strip()
    year = re.findall(r"\(([^()]*)\)", side)[-1]
    before_year = side[: side.rindex("(" + year + ")")]
    digits = re.findall(r"[\d,.]*\d", before_year)[-1]
    unit_text = before_year[before_year.rindex(digits) + len(digits) :]
    factor = next((v for k, v in MULTIPLIER.items() if unit_text.startswith(k)), 1)
    return Decimal(digits.replace(",", "")) * factor, year


def _expected_years(year: str) -> int | tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", year)]
    era = year[0]
    if "～" in year:
        end_era = re.search(r"～([HR]?)", year).group(1) or era
        return ERA_BASE[era] + numbers[0], ERA_BASE[end_era] + numbers[1]
    if "卒" in year:  # graduates of March: the school (fiscal) year that ended then
        return ERA_BASE[era] + numbers[0] - 1
    return ERA_BASE[era] + numbers[0]


def test_the_document_has_40_kpis():
    assert len(DOC_KPIS) == 40 == doc.text().count("○") - 6  # 6 more in the summary table


@pytest.mark.parametrize("raw", DOC_KPIS)
def test_every_document_kpi_parses_to_what_the_text_says(raw):
    kpi = parse_kpi(raw)
    assert kpi.raw == raw
    sides = raw.split("→")
    target_value, target_year = _expected_side(sides[-1])
    assert Decimal(str(kpi.target.value)) == target_value
    assert kpi.target.label == target_year
    assert kpi.target.fiscal_year == _expected_years(target_year)
    if len(sides) == 2:
        base_value, base_year = _expected_side(sides[0])
        assert Decimal(str(kpi.baseline.value)) == base_value
        assert kpi.baseline.label == base_year
        assert kpi.baseline.fiscal_year == _expected_years(base_year)
        assert Decimal(str(kpi.change.absolute)) == target_value - base_value
        if base_value:
            assert kpi.change.percent == pytest.approx(float((target_value / base_value - 1) * 100))
    else:
        assert kpi.baseline is None and kpi.change is None
    assert kpi.indicator and kpi.indicator in raw and not kpi.indicator[0].isspace()


@pytest.mark.parametrize(
    ("raw", "indicator", "scope", "sub_label", "unit", "baseline", "target"),
    [
        ("観光入込客数(14市町村合計(区毎の統計を取っていない札幌市南区を除く)) "
         "2,240万人(H26)→2,789万人(R1)", "観光入込客数",
         "14市町村合計(区毎の統計を取っていない札幌市南区を除く)", None, "人",
         (22_400_000, 2014), (27_890_000, 2019)),
        ("地域産業への新規就業者数 新規就農者 124人(H25)→150人(R1)", "地域産業への新規就業者数",
         None, "新規就農者", "人", (124, 2013), (150, 2019)),
        ("観光入込客数 806.0万人(H25) → 1,023.6万人(R2)", "観光入込客数", None, None, "人",
         (8_060_000, 2013), (10_236_000, 2020)),
        ("食品工業の付加価値額 876億円(H26)→1,002億円(R2)", "食品工業の付加価値額", None, None,
         "円", (87_600_000_000, 2014), (100_200_000_000, 2020)),
        ("建築材等の出荷量 55.6千㎡(H26)→63.4千㎡(R2)", "建築材等の出荷量", None, None, "㎡",
         (55_600, 2014), (63_400, 2020)),
        ("生乳生産量 1,294千トン(H26) → 1,359千トン(R1)", "生乳生産量", None, None, "トン",
         (1_294_000, 2014), (1_359_000, 2019)),
        ("製造業の付加価値生産性 1,332万円(H25)→1,850万円(H30)", "製造業の付加価値生産性",
         None, None, "円", (13_320_000, 2013), (18_500_000, 2018)),
        ("新規就農者数 15人/年(H25)→20人/年(R1)", "新規就農者数", None, None, "人/年",
         (15, 2013), (20, 2019)),
        ("新規就農者数 8人(H21～25平均)→10人(R1)", "新規就農者数", None, None, "人",
         (8, (2009, 2013)), (10, 2019)),
        ("自主防災組織カバー率 43.4%(H27)→81.0%(R2)", "自主防災組織カバー率", None, None, "%",
         (43.4, 2015), (81, 2020)),
        ("新エネルギーの導入状況(発電分野の設備容量) 117,809kW(H26)→253,846kW(R2)",
         "新エネルギーの導入状況", "発電分野の設備容量", None, "kW",
         (117_809, 2014), (253_846, 2020)),
        ("高校卒業者のハローワーク管内就職者数(岩見沢・滝川管内) 252人(H27.3卒)→270人(R2.3卒)",
         "高校卒業者のハローワーク管内就職者数", "岩見沢・滝川管内", None, "人",
         (252, 2014), (270, 2019)),
        ("個別相談会等での商談成約件数 260件(H27～R1累計)", "個別相談会等での商談成約件数",
         None, None, "件", None, (260, (2015, 2019))),
        ("振興局と町の協働連携事業 5事業(R1)", "振興局と町の協働連携事業", None, None, "事業",
         None, (5, 2019)),
        ("女性キャリアデザインロールモデル輩出数(累計)50件(R1)",
         "女性キャリアデザインロールモデル輩出数", None, None, "件", None, (50, 2019)),
        ("認定こども園設置数 0か所(H26) → 26か所(R1)", "認定こども園設置数", None, None, "か所",
         (0, 2014), (26, 2019)),
    ],
)
def test_known_kpis(raw, indicator, scope, sub_label, unit, baseline, target):
    kpi = parse_kpi(raw)
    assert (kpi.indicator, kpi.scope, kpi.sub_label, kpi.unit) == (indicator, scope, sub_label, unit)
    if baseline is None:
        assert kpi.baseline is None
    else:
        assert (kpi.baseline.value, kpi.baseline.fiscal_year) == baseline
    assert (kpi.target.value, kpi.target.fiscal_year) == target


def test_aggregates_and_qualifiers():
    total = parse_kpi("農水産物を活かしたオホーツク産品の延べ商談件数 180件以上(H27～R1合計)")
    assert (total.target.value, total.target.qualifier, total.target.aggregate) == (180, "以上", "合計")
    assert total.target.fiscal_year == (2015, 2019)
    assert parse_kpi("女性キャリアデザインロールモデル輩出数(累計)50件(R1)").target.aggregate == "累計"
    average = parse_kpi("新規就農者数 8人(H21～25平均)→10人(R1)")
    assert average.baseline.aggregate == "平均"
    # An average stands for its midpoint (FY2011): 8 years to FY2019.
    assert average.change.years == 8
    assert average.change.annual_rate == pytest.approx((10 / 8) ** (1 / 8) - 1)


def test_change_and_cagr():
    kpi = parse_kpi("観光入込客数 2,186万人(H26)→2,407万人(R1)")
    assert kpi.change.absolute == 2_210_000
    assert kpi.change.percent == pytest.approx((2407 / 2186 - 1) * 100)
    assert kpi.change.years == 5
    assert kpi.change.annual_rate == pytest.approx((2407 / 2186) ** (1 / 5) - 1)
    zero = parse_kpi("認定こども園設置数 0か所(H26) → 26か所(R1)").change
    assert (zero.absolute, zero.percent, zero.annual_rate) == (26, None, None)
    # A cumulative target is no level, so it gets no rate even with a baseline.
    assert parse_kpi("件数 3件(H26)→10件(H27～R1累計)").change.annual_rate is None


def test_year_labels():
    assert parse_year("H26").fiscal_year == 2014
    assert parse_year("R1").fiscal_year == parse_year("R元").fiscal_year == 2019
    assert parse_year("R2").fiscal_year == 2020
    assert parse_year("H21～25平均").fiscal_year == (2009, 2013)
    assert parse_year("H27～R1累計").fiscal_year == (2015, 2019)
    grad = parse_year("H27.3卒")
    assert (grad.fiscal_year, grad.graduation_month, grad.label) == (2014, 3, "H27.3卒")
    assert parse_year("H27.9卒").fiscal_year == 2015


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("観光入込客数", "no number"),
        ("観光入込客数 2,240万人", "year in brackets"),
        ("観光入込客数 2,240万人→2,789万人(R1)", "baseline before →"),
        ("観光入込客数 2,240万羽(H26)→2,789万羽(R1)", "unknown unit '万羽'"),
        ("観光入込客数 2,240万人(H26)→2,789件(R1)", "differs from target unit"),
        ("観光入込客数 2,240万人(X26)→2,789万人(R1)", "unknown era"),
        ("観光入込客数 2,240万人(H40)→2,789万人(R1)", "not a year of that era"),
        ("観光入込客数 2,240万人(R3)→2,789万人(R1)", "after target year"),
        ("観光入込客数 2,240万人(R1～H30累計)", "does not run forwards"),
        ("観光入込客数 2,240万人(H26頃)→2,789万人(R1)", "not like H26"),
        ("観光入込客数 22,40万人(H26)→2,789万人(R1)", "malformed thousands separator"),
        ("観光入込客数 2,240万人(H26)→", "target must end with its year"),
        ("観光入込客数 1(H26)→2(R1)", "expected"),
        ("観光入込客数 1(H26)→2(R1)→3(R2)", "more than one →"),
        ("", "empty"),
    ],
)
def test_errors_quote_the_text_and_say_why(raw, why):
    with pytest.raises(KPIError) as info:
        parse_kpi(raw)
    message = str(info.value)
    assert repr(raw) in message
    assert why in message


# --- Property tests: format a value the way the document does, parse it back ------------------

UNITS = {"人": 1, "万人": 10**4, "千人": 10**3, "億円": 10**8, "万円": 10**4, "千㎡": 10**3,
         "千トン": 10**3, "件": 1, "社": 1, "店": 1, "団体": 1, "品目": 1, "日": 1, "か所": 1,
         "事業": 1, "kW": 1, "%": 1, "人/年": 1}


def _format(amount: Decimal, separators: bool) -> str:
    places = max(0, -amount.as_tuple().exponent)
    return f"{amount:,.{places}f}" if separators else f"{amount:.{places}f}"


def _year_label(fy: int) -> str:
    if fy >= 2019:
        return "R元" if fy == 2019 and fy % 2 else f"R{fy - 2018}"
    return f"H{fy - 1988}"


amounts = st.decimals(min_value=0, max_value=10**9, places=1, allow_nan=False).map(
    lambda d: d.quantize(Decimal(1)) if d % 1 == 0 else d
) | st.integers(0, 10**9).map(Decimal)
years = st.integers(1989, 2040)


@given(
    base=amounts, target=amounts, unit=st.sampled_from(sorted(UNITS)),
    seps=st.booleans(), y0=years, dy=st.integers(1, 10),
    arrow=st.sampled_from(["→", " → ", "→ ", " →"]),
)
def test_round_trip_baseline_target(base, target, unit, seps, y0, dy, arrow):
    raw = (f"指標 {_format(base, seps)}{unit}({_year_label(y0)}){arrow}"
           f"{_format(target, seps)}{unit}({_year_label(y0 + dy)})")
    kpi = parse_kpi(raw)
    assert Decimal(str(kpi.baseline.value)) == base * UNITS[unit]
    assert Decimal(str(kpi.target.value)) == target * UNITS[unit]
    assert (kpi.baseline.fiscal_year, kpi.target.fiscal_year) == (y0, y0 + dy)
    assert kpi.indicator == "指標"
    assert kpi.change.years == dy
    if base and target:
        assert kpi.change.annual_rate == pytest.approx(
            math.pow(float(target / base), 1 / dy) - 1, rel=1e-9, abs=1e-12)


@given(
    amount=amounts, unit=st.sampled_from(sorted(UNITS)), start=years, span=st.integers(1, 10),
    agg=st.sampled_from(["累計", "合計", "平均"]), same_era=st.booleans(),
    qualifier=st.sampled_from(["", "以上"]),
)
def test_round_trip_target_only_period(amount, unit, start, span, agg, same_era, qualifier):
    end = start + span
    end_label = _year_label(end)
    if same_era and end_label[0] == _year_label(start)[0] and "元" not in end_label:
        end_label = end_label[1:]  # "H21～25": the end stays in the start's era
    raw = f"指標 {_format(amount, True)}{unit}{qualifier}({_year_label(start)}～{end_label}{agg})"
    kpi = parse_kpi(raw)
    assert kpi.baseline is None
    assert Decimal(str(kpi.target.value)) == amount * UNITS[unit]
    assert kpi.target.fiscal_year == (start, end)
    assert kpi.target.aggregate == agg
    assert kpi.target.qualifier == (qualifier or None)


@given(n=st.integers(0, 10**12))
def test_thousands_separators_group_by_three(n):
    assert parse_kpi(f"指標 {n:,}件(R1)").target.value == n
    assert parse_kpi(f"指標 {n}件(R1)").target.value == n
