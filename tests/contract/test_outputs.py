"""Contract tests: gongkai's output read back by DuckDB, pandas and pyarrow.

`make test` runs `gongkai ingest data/raw --out $GONGKAI_OUT` first, then these tests.
The expected names and types are those of docs/schema.md.
"""

import datetime
import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

OUT = Path(os.environ.get("GONGKAI_OUT", "data/out"))

# docs/schema.md, as DuckDB types.
SCHEMA = {
    "facts": [
        ("report_id", "VARCHAR"), ("agency", "VARCHAR"), ("year", "INTEGER"),
        ("template", "VARCHAR"), ("section", "VARCHAR"), ("category", "VARCHAR"),
        ("breakdown", "VARCHAR"), ("value", "DOUBLE"), ("unit", "VARCHAR"),
        ("raw", "VARCHAR"), ("line", "INTEGER"), ("provenance", "VARCHAR"),
        ("source", "VARCHAR"), ("confidence", "DOUBLE"),
    ],
    "reports": [
        ("report_id", "VARCHAR"), ("source_path", "VARCHAR"), ("bytes", "BIGINT"),
        ("agency", "VARCHAR"), ("year", "INTEGER"), ("template", "VARCHAR"),
        ("title", "VARCHAR"), ("doc_number", "VARCHAR"), ("issued_on", "DATE"),
        ("status", "VARCHAR"), ("facts", "INTEGER"), ("warnings", "INTEGER"),
        ("error", "VARCHAR"), ("format", "VARCHAR"), ("encoding", "VARCHAR"),
        ("source_url", "VARCHAR"), ("published_at", "TIMESTAMP"), ("publisher", "VARCHAR"),
        ("duplicate_of", "VARCHAR"),
    ],
    "diagnostics": [
        ("report_id", "VARCHAR"), ("source_path", "VARCHAR"), ("severity", "VARCHAR"),
        ("code", "VARCHAR"), ("message", "VARCHAR"), ("line", "INTEGER"),
    ],
}

# The dtypes that keep CSV faithful (docs/schema.md, "Reading the CSV files").
CSV_DTYPES = {
    "facts": {"report_id": str, "agency": str, "year": "Int32", "template": str, "section": str,
              "category": str, "breakdown": str, "value": "float64", "unit": str, "raw": str,
              "line": "Int32", "provenance": str, "source": str, "confidence": "Float64"},
}


@pytest.fixture(scope="module")
def con():
    return duckdb.connect()


@pytest.mark.parametrize("table", SCHEMA)
def test_duckdb_reads_parquet_with_schema_names_and_types(con, table):
    rel = con.sql(f"SELECT * FROM read_parquet('{OUT / (table + '.parquet')}')")
    assert list(zip(rel.columns, [str(t) for t in rel.types])) == SCHEMA[table]


@pytest.mark.parametrize("table", SCHEMA)
def test_csv_and_parquet_hold_the_same_rows(con, table):
    pq_rows = con.sql(f"SELECT count(*) FROM read_parquet('{OUT / (table + '.parquet')}')").fetchone()[0]
    csv_rows = len(pd.read_csv(OUT / f"{table}.csv", dtype=str, keep_default_na=False))
    assert pq_rows == csv_rows > 0


def test_facts_values(con):
    facts = f"read_parquet('{OUT / 'facts.parquet'}')"
    assert con.sql(f"SELECT count(*) FROM {facts}").fetchone()[0] == 985
    # 22.5981 万元 in seed 001 is 225981 元, exactly.
    fee = con.sql(f"SELECT value, unit, raw FROM {facts} WHERE agency = '泉港区' AND category = 'active.fees'").fetchall()
    assert fee == [(225981.0, "yuan", "22.5981")]
    per_year = con.sql(
        f"SELECT year, sum(value)::BIGINT FROM {facts} WHERE category = 'applications.new' "
        "AND breakdown = 'total' GROUP BY year ORDER BY year"
    ).fetchall()
    assert per_year == [(2019, 42), (2020, 0), (2021, 67)]
    # Check 1 of the schema, written as an analyst would: it holds for every sample column.
    broken = con.sql(f"""
        SELECT report_id, breakdown FROM {facts} WHERE section = 'applications'
        GROUP BY report_id, breakdown
        HAVING sum(CASE WHEN category IN ('applications.new', 'applications.carried_over') THEN value ELSE 0 END)
            <> sum(CASE WHEN category IN ('applications.outcome.total', 'applications.carried_forward') THEN value ELSE 0 END)
    """).fetchall()
    assert broken == []


def test_pandas_reads_parquet_and_csv():
    facts = pd.read_parquet(OUT / "facts.parquet")
    assert list(facts.columns) == [c for c, _ in SCHEMA["facts"]]
    assert facts["value"].dtype == "float64"
    assert str(facts["year"].dtype) == "int32" and str(facts["line"].dtype) == "int32"
    csv = pd.read_csv(OUT / "facts.csv", dtype=CSV_DTYPES["facts"], keep_default_na=False)
    assert csv["raw"].tolist() == facts["raw"].tolist(), "raw keeps the text as written"
    assert (csv["value"] == facts["value"]).all()
    reports = pd.read_parquet(OUT / "reports.parquet")
    assert sorted(reports["status"]) == ["ok"] * 5
    issued = dict(zip(reports["agency"], reports["issued_on"]))
    assert issued["泉州市行政服务中心管委会"] == datetime.date(2021, 1, 8)
    assert pd.isna(issued["灵秀镇人民政府"])


def test_pyarrow_filters_string_columns():
    table = pq.read_table(OUT / "facts.parquet")
    assert str(table.schema.field("category").type) == "string"
    new = table.filter(pc.equal(table["category"], "applications.new"))
    assert new.num_rows == 5 * 7
    meta = pq.read_metadata(OUT / "facts.parquet").metadata
    assert meta[b"gongkai.schema_version"] == b"5"


@pytest.mark.parametrize("table", SCHEMA)
def test_numeric_columns_carry_min_max_and_text_columns_none(con, table):
    # Readers skip row groups by the numeric columns' statistics (year = 2021); text
    # columns in walk order could skip nothing, so gongkai does not compute theirs.
    path = OUT / (table + ".parquet")
    stats = con.sql(
        "SELECT path_in_schema, bool_and(stats_min_value IS NOT NULL AND stats_max_value IS NOT NULL) "
        f"FROM parquet_metadata('{path}') GROUP BY path_in_schema"
    ).fetchall()
    has_min_max = dict(stats)
    for column, kind in SCHEMA[table]:
        if kind == "VARCHAR":
            assert not has_min_max[column], column
        elif con.sql(f"SELECT count({column}) FROM read_parquet('{path}')").fetchone()[0]:
            assert has_min_max[column], column


def test_diagnostics_point_at_lines(con):
    rows = con.sql(
        f"SELECT code, line FROM read_parquet('{OUT / 'diagnostics.parquet'}') "
        "WHERE code = 'cell_count_mismatch' ORDER BY source_path, line"
    ).fetchall()
    assert rows == [("cell_count_mismatch", 96), ("cell_count_mismatch", 98),
                    ("cell_count_mismatch", 101), ("cell_count_mismatch", 102)]


# A partitioned dataset (`--partition-by year`) and the same corpus as four shards.
PARTITIONED = Path(str(OUT) + "-partitioned")
SHARDED = Path(str(OUT) + "-sharded")


@pytest.mark.parametrize("table", SCHEMA)
def test_duckdb_reads_the_hive_dataset(con, table):
    rel = con.sql(f"SELECT * FROM read_parquet('{PARTITIONED}/{table}/*/*.parquet', hive_partitioning = true)")
    expected = SCHEMA[table] if table == "diagnostics" else [c for c in SCHEMA[table] if c[0] != "year"]
    got = [(c, str(t)) for c, t in zip(rel.columns, rel.types) if c != "year"]
    assert got == [c for c in expected if c[0] != "year"]
    assert "year" in rel.columns, "the partition folder gives the year column"


def test_partitions_hold_their_years(con):
    years = con.sql(
        f"SELECT year, count(*) FROM read_parquet('{PARTITIONED}/reports/*/*.parquet', hive_partitioning = true) "
        "GROUP BY year ORDER BY year NULLS LAST"
    ).fetchall()
    # Five samples and their 15 HTML/DOCX/PDF copies; two non-reports have no year.
    assert years == [(2019, 4), (2020, 12), (2021, 4), (None, 2)]
    # The four forms of a sample are versions of one report: its facts once.
    facts = con.sql(f"SELECT count(*) FROM read_parquet('{PARTITIONED}/facts/*/*.parquet', hive_partitioning = true)").fetchone()[0]
    assert facts == 985


def test_pandas_and_pyarrow_read_the_hive_dataset():
    import pyarrow.dataset as ds
    dataset = ds.dataset(PARTITIONED / "facts", format="parquet", partitioning="hive")
    table = dataset.to_table(filter=ds.field("year") == 2021)
    assert table.num_rows == 200
    # pandas infers partition keys as dictionaries, which cannot hold the null partition
    # of year-less reports: name the partition's type (as the README shows).
    import pyarrow as pa
    hive = ds.partitioning(pa.schema([("year", pa.int32())]), flavor="hive")
    df = pd.read_parquet(PARTITIONED / "reports", partitioning=hive)
    assert len(df) == 22 and set(df["year"].dropna().astype(int)) == {2019, 2020, 2021}
    assert df["year"].isna().sum() == 2


@pytest.mark.parametrize("table", SCHEMA)
def test_four_shards_together_equal_one_run(con, table):
    def rows(folder):
        return sorted(con.sql(
            f"SELECT * FROM read_parquet('{folder}/{table}/*/*.parquet', hive_partitioning = true)"
        ).fetchall(), key=repr)
    sharded = rows(SHARDED)
    assert sharded == rows(PARTITIONED) and len(sharded) > 0
    parts = {p.name for p in SHARDED.glob(f"{table}/*/*.parquet")}
    assert parts <= {f"part-{k}-of-4.parquet" for k in range(4)} and len(parts) > 1


# A generated corpus plus every sample as text, web page, DOCX and PDF: one run, and four
# shards completed by `gongkai finish`.
MIXED_ONE = Path(str(OUT) + "-mixed-one")
MIXED_FOUR = Path(str(OUT) + "-mixed-four")


@pytest.mark.parametrize("table", SCHEMA)
def test_four_shards_and_finish_give_the_rows_of_one_run(con, table):
    def dataset(folder):
        return f"read_parquet('{folder}/{table}/*/*.parquet', hive_partitioning = true)"

    one, four = dataset(MIXED_ONE), dataset(MIXED_FOUR)
    for a, b in [(one, four), (four, one)]:
        extra = con.sql(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})")
        assert extra.fetchone()[0] == 0
    assert con.sql(f"SELECT count(*) FROM {one}").fetchone()[0] == \
        con.sql(f"SELECT count(*) FROM {four}").fetchone()[0]


def test_the_checks_across_reports_and_the_versions_cross_the_shards(con):
    codes = dict(con.sql(
        f"SELECT code, count(*) FROM read_parquet('{MIXED_FOUR}/diagnostics/*/*.parquet') "
        "GROUP BY code"
    ).fetchall())
    # Every sample in four forms: three other versions each.
    assert codes.get("duplicate_version") == 15
    for across in ["carry_mismatch", "stock_chain_mismatch", "near_duplicate"]:
        assert codes.get(across, 0) > 0, across
    # 泉港区 2022's run-together row, split by its 2021 report (in another shard or not).
    assert codes.get("split_by_previous_year") == 1
    provenance = con.sql(
        f"SELECT breakdown, value, provenance FROM read_parquet('{MIXED_FOUR}/facts/*/*.parquet') "
        "WHERE provenance IS NOT NULL ORDER BY breakdown"
    ).fetchall()
    assert [(b, v) for b, v, _ in provenance] == [("in_force", 247), ("issued", 5), ("repealed", 0)]
    assert all(p.startswith("previous_year:") for _, _, p in provenance)
    # Each sample's facts once, under the version kept.
    kept = con.sql(
        f"SELECT count(*) FROM read_parquet('{MIXED_FOUR}/reports/*/*.parquet') "
        "WHERE source_path LIKE '%-mixed/%/0%' AND duplicate_of IS NULL"
    ).fetchone()[0]
    assert kept == 5
    facts = con.sql(
        f"SELECT count(*) FROM read_parquet('{MIXED_FOUR}/facts/*/*.parquet') f "
        f"JOIN read_parquet('{MIXED_FOUR}/reports/*/*.parquet') r USING (report_id) "
        "WHERE r.source_path LIKE '%-mixed/%/0%'"
    ).fetchone()[0]
    assert facts == 985


# A crawler dump (tests/fixtures/portal): the header block's record, read back typed.
PORTAL = Path(str(OUT) + "-portal")


def test_the_portal_record_reads_back_typed(con):
    row = con.sql(
        "SELECT agency, year, source_url, published_at, publisher "
        f"FROM read_parquet('{PORTAL / 'reports.parquet'}')"
    ).fetchone()
    assert row == (
        "泉港区", 2021, "https://www.example.gov.cn/zwgk/ndbg/202201/t20220120_1.htm",
        datetime.datetime(2022, 1, 20, 9, 5), "泉州市泉港区人民政府办公室",
    )
    csv = pd.read_csv(PORTAL / "reports.csv", dtype=str, keep_default_na=False)
    assert csv.loc[0, "published_at"] == "2022-01-20T09:05:00"
    assert pd.to_datetime(csv.loc[0, "published_at"]) == pd.Timestamp(2022, 1, 20, 9, 5)


@pytest.mark.parametrize("table", SCHEMA)
def test_parquet_fields_say_what_they_are(table):
    # Each column's meaning from docs/schema.md travels in the file's schema.
    schema = pq.read_schema(OUT / (table + ".parquet"))
    for name, _ in SCHEMA[table]:
        meaning = (schema.field(name).metadata or {}).get(b"description", b"").decode()
        assert len(meaning) > 3 and "`" not in meaning, name
    assert schema.field("report_id").metadata[b"description"].decode()


def test_facts_join_their_words_in_the_format_order(con):
    # The output folder alone gives every fact its Chinese label, in the report's order.
    rows = con.sql(
        f"SELECT c.label, b.label, f.value, c.sort_order "
        f"FROM read_parquet('{OUT / 'facts.parquet'}') f "
        f"JOIN read_parquet('{OUT / 'categories.parquet'}') c USING (category) "
        f"JOIN read_parquet('{OUT / 'breakdowns.parquet'}') b USING (breakdown) "
        f"WHERE f.agency = '泉港区' ORDER BY c.sort_order, b.sort_order"
    ).fetchall()
    facts = con.sql(
        f"SELECT count(*) FROM read_parquet('{OUT / 'facts.parquet'}') WHERE agency = '泉港区'"
    ).fetchone()[0]
    assert len(rows) == facts == 200
    assert rows[0][:2] == ("规章", "本年制发件数")
    assert ("本年新收政府信息公开申请数量", "自然人", 67.0) in [r[:3] for r in rows]
    orders = [r[3] for r in rows]
    assert orders == sorted(orders)
    # The same from the CSV files with pandas.
    facts_csv = pd.read_csv(OUT / "facts.csv", dtype=CSV_DTYPES["facts"], keep_default_na=False)
    categories = pd.read_csv(OUT / "categories.csv", dtype=str, keep_default_na=False)
    merged = facts_csv.merge(categories, on="category", how="left")
    assert merged["label"].ne("").all() and len(merged) == len(facts_csv)


def test_the_partitioned_dataset_holds_its_vocabulary_once_at_the_top(con):
    for top in (PARTITIONED, SHARDED):
        assert (top / "categories.parquet").exists() and (top / "breakdowns.parquet").exists()
        assert not list(top.glob("*/**/categories.parquet"))
        missing = con.sql(
            f"SELECT count(*) FROM read_parquet('{top}/facts/*/*.parquet', hive_partitioning = true) f "
            f"ANTI JOIN read_parquet('{top / 'categories.parquet'}') c USING (category)"
        ).fetchone()[0]
        assert missing == 0


@pytest.mark.parametrize("table", list(SCHEMA) + ["categories", "breakdowns"])
def test_csv_with_a_byte_order_mark_reads_the_same_everywhere(con, table):
    # The BOM Excel needs: DuckDB, pandas, polars and pyarrow read the header and every
    # column unchanged.
    import polars as pl
    import pyarrow.csv as pacsv
    path = OUT / f"{table}.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    names = pq.read_schema(OUT / f"{table}.parquet").names
    duck = con.sql(f"SELECT * FROM read_csv('{path}', all_varchar = true)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    polars = pl.read_csv(path, infer_schema=False)
    arrow = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={n: "string" for n in names}, strings_can_be_null=False))
    for columns in (duck.columns, list(frame.columns), polars.columns, arrow.column_names):
        assert columns == names
    first = names[0]
    values = frame[first].tolist()
    assert polars[first].to_list() == values
    assert arrow.column(first).to_pylist() == values
    assert [r[0] for r in duck.select(first).fetchall()] == values
