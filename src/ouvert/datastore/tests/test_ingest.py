"""Tests of the ingestion engine: parsers, sniffing rules, hostile files and the real corpus."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ouvert.datastore.ingest import IngestError, IngestOptions, ingest
from ouvert.datastore.ingest import encoding as enc
from ouvert.datastore.ingest.dialect import column_names, find_header, parse_rows, sniff
from ouvert.datastore.ingest.types import (
    ColumnType,
    infer_type,
    parse_boolean,
    parse_date,
    parse_datetime,
    parse_integer,
    parse_number,
    sql_parse,
    sql_string,
)
from ouvert.datastore.query.engine import parquet_source

CORPUS = Path(__file__).resolve().parents[5] / "shared" / "corpus" / "tabular"


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English whatever the test settings' default language."""
    from django.utils import translation

    with translation.override("en"):
        yield


def load(path: Path, content: str | bytes, name: str | None = None, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    src = path / (name or "file.csv") if path.is_dir() or not path.suffix else path
    src.write_bytes(content)
    dest = src.with_suffix(".parquet")
    result = ingest(str(src), str(dest), options=IngestOptions(**options))
    return result, dest


def table(dest: Path) -> str:
    """The FROM clause of an ingested table as queries read it: ``_id`` from the row's position."""
    assert "_id" not in pq.read_schema(dest).names
    return parquet_source(str(dest), positional_ids=True)


def rows_of(dest: Path, columns: str = "*") -> list[tuple]:
    return duckdb.sql(f"SELECT {columns} FROM {table(dest)} ORDER BY _id").fetchall()


def col(result, name: str) -> dict:
    return next(c for c in result.columns if c["name"] == name)


# --- value parsers -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "decimal", "expected"), [
    ("1234.5", ".", 1234.5), ("1,234.50", ".", 1234.5), ("$1,700.00", ".", 1700.0),
    ("1 700 $", ".", 1700.0), ("-3.25", ".", -3.25), ("12 %", ".", 12.0),
    ("1234,5", ",", 1234.5), ("1 234,50", ",", 1234.5), ("1\u00a0234,50", ",", 1234.5),
    ("1\u202f234,5 €", ",", 1234.5), ("1.234,5", ",", 1234.5), ("12,5 %", ",", 12.5),
    (" 454\u00a0000,00    ", ",", 454000.0), ("abc", ".", None), ("1,2,3", ",", None),
    ("", ".", None), ("1.2.3", ".", None),
])
def test_parse_number(text, decimal, expected):
    assert parse_number(text, decimal) == expected


def test_parse_integer():
    assert parse_integer("1 700") == 1700
    assert parse_integer("2,666") == 2666
    assert parse_integer("1.613", ",") == 1613
    assert parse_integer("90.0") is None
    assert parse_integer("99999999999999999999") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("oui", True), ("NON", False), ("Vrai", True), ("faux", False), ("yes", True),
    ("No", False), ("true", True), ("FALSE", False), ("peut-être", None), ("1", None),
])
def test_parse_boolean(text, expected):
    assert parse_boolean(text) is expected


@pytest.mark.parametrize(("text", "fmt", "expected"), [
    ("2014-05-15", "%Y-%m-%d", date(2014, 5, 15)),
    ("15/05/2014", "%d/%m/%Y", date(2014, 5, 15)),
    ("2020/12/15", "%Y/%m/%d", date(2020, 12, 15)),
    ("15 mai 2014", "fr:%d %m %Y", date(2014, 5, 15)),
    ("1er janvier 2020", "fr:%d %m %Y", date(2020, 1, 1)),
    ("3 août 2019", "fr:%d %m %Y", date(2019, 8, 3)),
    ("Jan 1, 2026", "%b %d, %Y", date(2026, 1, 1)),
    ("24 October 2011", "%d %B %Y", date(2011, 10, 24)),
    ("01-02-13", "%d-%m-%y", date(2013, 2, 1)),
    ("32/01/2014", "%d/%m/%Y", None),
])
def test_parse_date(text, fmt, expected):
    assert parse_date(text, fmt) == expected


def test_parse_datetime():
    assert parse_datetime("2014-05-15T10:30:00", "%Y-%m-%dT%H:%M:%S") == datetime(2014, 5, 15,
                                                                                   10, 30)
    assert parse_datetime("15/05/2014 10:30", "%d/%m/%Y %H:%M") == datetime(2014, 5, 15, 10, 30)


@pytest.mark.parametrize(("values", "type_", "fmt", "guess"), [
    (["1", "2", "-3", ""], "integer", ".", "integer"),
    (["1,5", "2", "3,25"], "number", ",", "decimal"),
    (["1 234,50", "12,00"], "number", ",", "decimal"),
    (["$1,700.00", "$5.00"], "number", ".", "money"),
    (["1 700 $", "25 $"], "integer", ".", "money"),
    (["12,5 %", "3 %"], "number", ",", "percentage"),
    (["oui", "non", "OUI"], "boolean", None, "boolean"),
    (["vrai", "faux"], "boolean", None, "boolean"),
    (["15/05/2014", "31/12/2014"], "date", "%d/%m/%Y", "date"),
    (["05/31/2014", "01/02/2014"], "date", "%m/%d/%Y", "date"),
    (["15 mai 2014", "1er juin 2015"], "date", "fr:%d %m %Y", "date"),
    (["Jan 1, 2026", "Dec 31, 2025"], "date", "%b %d, %Y", "date"),
    (["2014-05-15 10:00:00", "2014-05-16 11:30:00"], "datetime", "%Y-%m-%d %H:%M:%S",
     "datetime"),
    (["01340", "75001", "01024"], "string", None, "code"),
    (["2B033", "01024"], "string", None, "text"),
    (["null", "", "n/a"], "string", None, "empty"),
])
def test_infer_type(values, type_, fmt, guess):
    ctype = infer_type(values, prefer_comma=True)
    assert (ctype.type, ctype.format, ctype.guess) == (type_, fmt, guess)


def test_comma_means_thousands_in_comma_separated_files():
    assert infer_type(["1,700", "2,300"], prefer_comma=False).type == "integer"
    assert infer_type(["1,700", "2,300"], prefer_comma=True).type == "number"


def test_canadian_postal_code_profile():
    ctype = infer_type(["H2X 1Y4", "J0E1B0", "K1A 0B1"])
    assert ctype.type == "string" and ctype.profile == {"postal_code": True}
    assert infer_type(["75001 Paris", "H2X 1Y4"]).profile == {}


@pytest.mark.parametrize(("value", "ctype"), [
    ("1 234,50", ColumnType("number", ",")), ("$1,700.00", ColumnType("number", ".")),
    ("12,5 %", ColumnType("number", ",")), ("1\u00a0700", ColumnType("integer", ",")),
    ("15 mai 2014", ColumnType("date", "fr:%d %m %Y")), ("1er mars 2020",
                                                          ColumnType("date", "fr:%d %m %Y")),
    ("Jan 1, 2026", ColumnType("date", "%b %d, %Y")), ("oui", ColumnType("boolean")),
    ("31/12/2014", ColumnType("date", "%d/%m/%Y")), ("abc", ColumnType("number", ",")),
    ("01-02-13", ColumnType("date", "%d-%m-%y")),
])
def test_sql_expressions_agree_with_python(value, ctype):
    """The DuckDB expression reads exactly what the Python parser reads."""
    expr = sql_parse(sql_string(value), ctype)
    got = duckdb.sql(f"SELECT {expr}").fetchall()[0][0]
    if ctype.type == "number":
        expected = parse_number(value, ctype.format)
    elif ctype.type == "integer":
        expected = parse_integer(value, ctype.format)
    elif ctype.type == "boolean":
        expected = parse_boolean(value)
    else:
        expected = parse_date(value, ctype.format)
    assert got == expected


# --- sniffing rules ----------------------------------------------------------------------

def test_sniff_semicolon_with_decimal_commas():
    text = "a;b;c\n1,5;2,25;x\n3,5;4,75;y\n"
    assert sniff(text).delimiter == ";"


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a\tb\tc\n1\t2\t3\n", "\t"), ("a|b|c\n1|2|3\n", "|"),
    ('nom,ville\n"Dupont, Jean",Québec\n"Roy, Marie",Lévis\n', ","),
])
def test_sniff_delimiters(text, delimiter):
    assert sniff(text).delimiter == delimiter


@pytest.mark.parametrize(("text", "terminator"), [
    ("a,b\r\n1,2\r\n", "\r\n"), ("a,b\n1,2\n", "\n"), ("a,b\r1,2\r", "\r"),
])
def test_line_terminators(text, terminator):
    assert sniff(text).lineterminator == terminator


def test_header_after_title_rows():
    text = "Budget 2015 de la Ville,,\nSource : Finances,,\n,,\nPoste,Montant,Année\nA,1,2015\nB,2,2015\n"
    rows = parse_rows(text, sniff(text), complete=True)
    assert rows[find_header(rows)][1] == ["Poste", "Montant", "Année"]


def test_numeric_first_row_is_not_a_header():
    text = "1,null,0\n2,0,0\n3,5,null\n"
    assert find_header(parse_rows(text, sniff(text), complete=True)) is None


def test_column_names():
    assert column_names([" Nom ", "", "Nom", "_id", "nom"], 5) == [
        "Nom", "column_2", "Nom_2", "_id_2", "nom_3"]


def test_skip_initial_space_dialect():
    text = 'date, temperature\n2011-01-03, "6,000,000"\n'
    assert sniff(text).skipinitialspace is True


# --- encodings ---------------------------------------------------------------------------

FRENCH = "Libellé;Année;Région\nÉcole élémentaire;2014;Côte-Nord\nHôpital général;2015;Montérégie\n"


@pytest.mark.parametrize(("codec", "expected"), [
    ("utf-8", "utf-8"), ("cp1252", "windows-1252"), ("mac_roman", "mac_roman"),
])
def test_detect_encoding(codec, expected):
    assert enc.detect(FRENCH.encode(codec)).name == expected


def test_detect_boms():
    assert enc.detect(codecs_bom("utf-16-le")).name == "utf-16-le"
    assert enc.detect(b"\xef\xbb\xbfa,b\n").bom == 3


def codecs_bom(codec: str) -> bytes:
    return b"\xff\xfe" + "a,b\n1,2\n".encode(codec)


def test_mojibake_detection():
    assert enc.looks_like_mojibake(FRENCH.encode("utf-8").decode("cp1252"))
    assert not enc.looks_like_mojibake(FRENCH)


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "cp1252", "mac_roman", "latin-1"])
def test_ingest_every_encoding(tmp_path, codec):
    text = FRENCH if codec != "latin-1" else FRENCH.replace("Œ", "")
    result, dest = load(tmp_path, text.encode(codec))
    assert result.rows == 2
    assert rows_of(dest, '"Libellé", "Région"') == [("École élémentaire", "Côte-Nord"),
                                                     ("Hôpital général", "Montérégie")]


def test_windows_1252_found_after_the_sample(tmp_path):
    body = "nom;ville\n" + "x;y\n" * 400_000 + "Café;Québec\n"
    result, dest = load(tmp_path, body.encode("cp1252"))
    assert result.rows == 400_001
    assert rows_of(dest)[-1] == (400_001, "Café", "Québec")


def test_latin1_files_are_read_without_a_transcoded_copy(tmp_path, monkeypatch):
    def no_copy(*args, **kwargs):
        raise AssertionError("a Latin-1 file was transcoded")

    monkeypatch.setattr(enc, "transcode", no_copy)
    fast, dest = load(tmp_path / "fast.csv", FRENCH.encode("cp1252"))
    assert fast.report["path"] == "fast" and fast.encoding == "ISO-8859-1"
    assert rows_of(dest, '"Libellé", "Région"')[0] == ("École élémentaire", "Côte-Nord")
    ragged = FRENCH.replace("2015;Montérégie", "2015;Montérégie;Québec")
    careful, dest = load(tmp_path / "careful.csv", ragged.encode("latin-1"), encoding="cp1252")
    assert careful.report["path"] == "careful" and careful.encoding == "Windows-1252"
    assert rows_of(dest)[1] == (2, "Hôpital général", 2015, "Montérégie", "Québec")


def test_windows_1252_specific_characters_and_nul_bytes_are_transcoded(tmp_path):
    text = "Libellé;Coût\nŒuvre d’art;12 €\n"
    result, dest = load(tmp_path / "c1.csv", text.encode("cp1252"))
    assert result.encoding == "Windows-1252"
    assert rows_of(dest) == [(1, "Œuvre d’art", 12)]
    (tmp_path / "nul.csv").write_bytes("Libellé;b\nÉté;1\x00\n".encode("latin-1"))
    expect_error(tmp_path / "nul.csv", "binary")


def test_publisher_encoding_override(tmp_path):
    result, dest = load(tmp_path, FRENCH.encode("cp1252"), encoding="cp1252")
    assert result.report["encoding"]["source"] == "publisher"
    with pytest.raises(IngestError) as err:
        load(tmp_path, FRENCH.encode("utf-8"), encoding="latin-1")
    assert err.value.code == "encoding"


# --- whole files -------------------------------------------------------------------------

def test_french_types_end_to_end(tmp_path):
    text = ("nom;montant;date;actif;code;taux;prix;quand;postal\n"
            "École;1 234,50;15/05/2014;oui;01340;12,5 %;1 700 $;15 mai 2014;H2X 1Y4\n"
            "Hôpital;2,5;16/05/2014;non;02000;3 %;25 $;1er juin 2015;J0E 1B0\n")
    result, dest = load(tmp_path, text)
    types = {c["name"]: c["type"] for c in result.columns}
    assert types == {"nom": "string", "montant": "number", "date": "date", "actif": "boolean",
                     "code": "string", "taux": "number", "prix": "integer", "quand": "date",
                     "postal": "string"}
    assert col(result, "postal")["profile"] == {"postal_code": True}
    assert col(result, "prix")["source_type_guess"] == "money"
    assert rows_of(dest)[0] == (1, "École", 1234.5, date(2014, 5, 15), True, "01340", 12.5,
                                1700, date(2014, 5, 15), "H2X 1Y4")
    fields = {f["name"]: f for f in result.schema["fields"]}
    assert fields["_id"]["type"] == "integer"
    assert fields["date"]["format"] == "%d/%m/%Y"
    assert fields["montant"]["decimalChar"] == ","


def test_type_broken_after_the_sample_falls_back_to_text(tmp_path):
    body = "n;valeur\n" + "".join(f"{i};{i},5\n" for i in range(6000)) + "6000;pas un nombre\n"
    result, dest = load(tmp_path, body)
    assert col(result, "valeur")["type"] == "string"
    problem = result.report["problems"]["items"][0]
    assert problem["code"] == "type_fallback" and problem["row"] == 6002
    assert problem["column"] == "valeur"
    assert rows_of(dest)[-1] == (6001, 6000, "pas un nombre")
    assert rows_of(dest)[1] == (2, 1, "1,5")


def test_forced_type_reports_bad_cells(tmp_path):
    result, dest = load(tmp_path, "a;b\n1;2,5\n2;abc\n", column_types={"b": "number"})
    assert rows_of(dest) == [(1, 1, 2.5), (2, 2, None)]
    assert result.report["problems"]["items"][0]["row"] == 3
    with pytest.raises(IngestError) as err:
        load(tmp_path, "a;b\n1;2\n", column_types={"zz": "number"})
    assert err.value.code == "bad_option"


def test_ragged_rows_policy(tmp_path):
    result, dest = load(tmp_path, "a;b;c\n1;2;3\n4;5\n6;7;8;9\n10;11;12;;\n")
    assert rows_of(dest) == [(1, 1, 2, 3, None), (2, 4, 5, None, None), (3, 6, 7, 8, "9"),
                             (4, 10, 11, 12, None)]
    items = result.report["problems"]["items"]
    assert [(p["code"], p["row"]) for p in items] == [("short_row", 3), ("long_row", 4)]


def test_blank_lines_repeated_headers_and_footer(tmp_path):
    text = ("Rapport annuel\n\nville;population\nLévis;149683\n\nQuébec;549459\n"
            "ville;population\nSaguenay;144723\n\nSource : Institut de la statistique\n")
    result, dest = load(tmp_path, text)
    assert rows_of(dest) == [(1, "Lévis", 149683), (2, "Québec", 549459), (3, "Saguenay", 144723)]
    dialect = result.dialect
    assert dialect["header_row"] == 3 and dialect["skipped_title_rows"] == 1
    assert dialect["repeated_headers_removed"] == 1
    assert dialect["footer_rows_removed"] == 1
    codes = {p["code"]: p["row"] for p in result.report["problems"]["items"]}
    assert codes == {"repeated_header": 7, "footer_removed": 10}


def test_header_row_override(tmp_path):
    result, dest = load(tmp_path, "x;y\na;b\n1;2\n", header_row=2)
    assert [c["name"] for c in result.columns] == ["a", "b"]
    result, dest = load(tmp_path, "1;2\n3;4\n", header_row=0)
    assert [c["name"] for c in result.columns] == ["column_1", "column_2"]
    assert result.rows == 2


def test_delimiter_override_and_tsv(tmp_path):
    result, dest = load(tmp_path, "a,b;c\n1,2;3\n", delimiter=";")
    assert [c["name"] for c in result.columns] == ["a,b", "c"]
    result, dest = load(tmp_path, "a\tb\n1\t2,5\n", name="f.tsv")
    assert rows_of(dest) == [(1, 1, 2.5)]


def test_quoted_newlines_and_ids_in_file_order(tmp_path):
    body = "id;texte\n" + "".join(f'{i};"ligne {i}\nsuite"\n' for i in range(1, 50001))
    result, dest = load(tmp_path, body)
    assert result.rows == 50000
    bad = duckdb.sql(f"SELECT count(*) FROM {table(dest)} WHERE _id <> id").fetchall()[0]
    assert bad == (0,)


def test_progress_and_atomic_write(tmp_path):
    calls = []
    src = tmp_path / "p.csv"
    src.write_text("a;b\n1;2\n")
    dest = tmp_path / "p.parquet"
    ingest(str(src), str(dest), progress=lambda n, f: calls.append((n, f)))
    assert calls[-1] == (1, 1.0)
    dest.write_bytes(b"previous")
    (tmp_path / "bad.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(IngestError):
        ingest(str(tmp_path / "bad.csv"), str(dest))
    assert dest.read_bytes() == b"previous"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".ingest-")]


# --- other formats -----------------------------------------------------------------------

def test_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Rapport des dépenses"])
    ws.append([])
    ws.append(["Poste", "Montant", "Date", "Code"])
    ws.append(["Déneigement", 1234.5, datetime(2014, 5, 15), "01340"])
    ws.append(["Éclairage", 99, datetime(2014, 5, 16), "02000"])
    book.save(tmp_path / "f.xlsx")
    result = ingest(str(tmp_path / "f.xlsx"), str(tmp_path / "f.parquet"))
    assert result.dialect["header_row"] == 3
    assert rows_of(tmp_path / "f.parquet") == [
        (1, "Déneigement", 1234.5, date(2014, 5, 15), "01340"),
        (2, "Éclairage", 99.0, date(2014, 5, 16), "02000")]


def test_ods(tmp_path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Feuille1")
    for values in (["Ville", "Population"], ["Lévis", 149683], ["Québec", 549459]):
        row = TableRow()
        for value in values:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        sheet.addElement(row)
    doc.spreadsheet.addElement(sheet)
    doc.save(str(tmp_path / "f.ods"))
    result = ingest(str(tmp_path / "f.ods"), str(tmp_path / "f.parquet"))
    assert result.columns[1]["type"] == "integer"
    assert rows_of(tmp_path / "f.parquet") == [(1, "Lévis", 149683), (2, "Québec", 549459)]


def test_json(tmp_path):
    data = [{"nom": "Lévis", "pop": 149683, "tags": ["a"]}, {"nom": "Québec", "actif": True}]
    result, dest = load(tmp_path, json.dumps(data), name="f.json")
    assert [c["name"] for c in result.columns] == ["nom", "pop", "tags", "actif"]
    assert rows_of(dest) == [(1, "Lévis", 149683, '["a"]', None), (2, "Québec", None, None, True)]
    with pytest.raises(IngestError) as err:
        load(tmp_path, '{"a": 1}', name="g.json")
    assert err.value.code == "json"


def test_parquet(tmp_path):
    src = tmp_path / "in.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS a, 'é' AS b, DATE '2014-05-15' AS c) TO '{src}'")
    result = ingest(str(src), str(tmp_path / "out.parquet"))
    assert [(c["name"], c["type"]) for c in result.columns] == [
        ("a", "integer"), ("b", "string"), ("c", "date")]
    assert rows_of(tmp_path / "out.parquet") == [(1, 1, "é", date(2014, 5, 15))]


def test_tables_store_no_id_but_describe_it(tmp_path):
    """_id is left to each row's position: the file holds the source's columns only, and the
    Table Schema still names _id as the key."""
    result, dest = load(tmp_path, "a;b\n1;x\n\n2;y\n3;z\n")
    assert pq.read_schema(dest).names == ["a", "b"]
    assert result.schema["fields"][0] == {"name": "_id", "type": "integer", "title": "_id"}
    assert result.schema["primaryKey"] == ["_id"]
    assert [c["name"] for c in result.columns] == ["a", "b"]
    assert [c["null_count"] for c in result.columns] == [0, 0]
    assert rows_of(dest) == [(1, 1, "x"), (2, 2, "y"), (3, 3, "z")]
    src = tmp_path / "in.parquet"
    duckdb.sql(f"COPY (SELECT range AS n FROM range(5)) TO '{src}'")
    ingest(str(src), str(tmp_path / "out.parquet"))
    assert rows_of(tmp_path / "out.parquet", "_id, n")[-1] == (5, 4)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_column_named_like_row_positions_keeps_a_stored_id(tmp_path, kind):
    """DuckDB could not tell a column called file_row_number from the row's position: such a
    table stores _id, as every table once did, and reads the same."""
    from ouvert.datastore.query import QueryEngine, datastore_search

    if kind == "csv":
        _result, dest = load(tmp_path, "File_Row_Number;b\n7;x\n8;y\n")
    else:
        src = tmp_path / "in.parquet"
        duckdb.sql(f"COPY (SELECT 7 + range AS File_Row_Number, 'x' AS b FROM range(2)) TO '{src}'")
        dest = tmp_path / "out.parquet"
        ingest(str(src), str(dest))
    assert pq.read_schema(dest).names == ["_id", "File_Row_Number", "b"]
    engine = QueryEngine(memory_limit="256MB", threads=1)
    result = datastore_search({"t": str(dest)}, resource_id="t", sort="_id desc", engine=engine)
    assert [(r["_id"], r["File_Row_Number"]) for r in result["records"]] == [(2, 8), (1, 7)]
    assert engine.describe({"t": str(dest)}, "t").dense_ids


# --- hostile input -----------------------------------------------------------------------

def expect_error(path: Path, code: str, **options) -> IngestError:
    with pytest.raises(IngestError) as err:
        ingest(str(path), str(path.with_suffix(".out")), options=IngestOptions(**options))
    assert err.value.code == code, err.value.message
    assert err.value.message
    return err.value


def test_empty_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    expect_error(tmp_path / "e.csv", "empty")
    (tmp_path / "b.csv").write_bytes(b"\n\n,,\n")
    expect_error(tmp_path / "b.csv", "empty")


def test_png_named_csv(tmp_path):
    (tmp_path / "i.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
    assert "PNG" in expect_error(tmp_path / "i.csv", "binary").message


def test_nul_bytes(tmp_path):
    (tmp_path / "n.csv").write_bytes(b"a,b\n" + bytes(range(256)) * 10)
    expect_error(tmp_path / "n.csv", "binary")


def test_zip_bomb_xlsx(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"0" * (1 << 20)
            for _i in range(200):
                member.write(block)
    assert path.stat().st_size < 1024 * 1024
    assert "zip bomb" in expect_error(path, "zip_bomb").message


def test_too_many_columns(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(10_001)) + "\n" + "1," * 10_000 + "1\n")
    assert "10001 columns" in expect_error(path, "too_many_columns").message


def test_huge_single_line(tmp_path):
    path = tmp_path / "line.csv"
    with open(path, "w") as fh:
        fh.write("a,b\n")
        fh.write("x" * (50 * 1024 * 1024))
        fh.write(",1\n")
    assert expect_error(path, "line_too_long").row == 2


def test_unsupported_extension(tmp_path):
    (tmp_path / "f.docx").write_bytes(b"hello")
    expect_error(tmp_path / "f.docx", "unsupported_format")


# --- the real corpus ---------------------------------------------------------------------

def independent_count(path: Path, codec: str, delimiter: str, skip: int, *, blanks=True,
                      footer: int = 0) -> int:
    """Records after the header, by Python's csv module: a reader independent of ours."""
    text = path.read_bytes().decode(codec)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[skip:]
    if blanks:
        records = [r for r in records if any(c.strip() for c in r)]
    return len(records) - footer


# file: (codec, delimiter, records before data, footer rows, encoding label, checks)
# checks: list of (SQL predicate over the loaded table that must match exactly one row)
CORPUS_FILES = {
    "brussels_hotel_occupancy_latin1_decimal_comma.csv": (
        "latin-1", ";", 1, 0, "ISO-8859-1",
        {"Année": "integer", "Occupancy rate": "number", "Date": "date"},
        ["_id = 1 AND \"Occupancy rate\" = 0.611553068 AND \"Date\" = DATE '2013-01-01'",
         "_id = 5 AND \"Quartier\" = 'Autour du Ring' AND \"Average Price\" = 98.81193134"]),
    "france_circonscriptions_communes_ragged.csv": (
        "utf-8", ";", 1, 0, "UTF-8",
        {"codes_postaux": "string", "latitude": "number", "code_région": "integer"},
        ["_id = 3 AND nom_commune = 'Bény' AND codes_postaux = '01370' AND "
         "\"nom_région\" = 'Auvergne-Rhône-Alpes'"]),
    "france_irve_bornes_recharge_latin1.csv": (
        "latin-1", ";", 1, 0, "ISO-8859-1",
        {"date_maj": "date", "puiss_max": "number", "code_insee": "string"},
        ["_id = 1 AND ad_station = 'Allée du Ninu 20600 Bastia' AND "
         "date_maj = DATE '2020-12-15' AND puiss_max = 2.3"]),
    "laposte_hexasmal_6cols.csv": (
        "utf-8", ";", 1, 0, "UTF-8", {"Code_postal": "string", "Code_commune_INSEE": "string"},
        ["_id = 1 AND Nom_commune = 'HAUTEVILLE SUR MER' AND Code_postal = '50590'"]),
    "montpellier_budget_primitif_2015_cp1252.csv": (
        "cp1252", ";", 1, 0, "ISO-8859-1", {"BP2015": "number", "Fonction": "string"},
        ["_id = 1 AND \"BP2015\" = 454000 AND \"Fonction\" = '020'"]),
    "ontario_vital_events_bilingual_header.csv": (
        "utf-8-sig", ",", 1, 0, "UTF-8", {"Year/Année": "integer", "Deaths/Dècés": "integer"},
        ["_id = 2 AND \"Month/Mois\" = 'February/février' AND \"Deaths/Dècés\" = 6428"]),
    "open_canada_daily_downloads_jan2026.csv": (
        "utf-8-sig", ",", 1, 0, "UTF-8", {"Downloads": "number", "day": "date"},
        ["_id = 1 AND \"Downloads\" = 90 AND day = DATE '2026-01-01'"]),
    "quebec_election_2012_qc2012_candidats.csv": (
        "utf-8-sig", ",", 1, 0, "UTF-8", {"Circonscription": "string"},
        ["_id = 1 AND \"P.Q.\" = 'Élizabeth Larouche'"]),
    "quebec_election_2012_qc2012_resultats.csv": (
        "utf-8-sig", ",", 1, 0, "UTF-8", {"Voteurs enregistrés": "integer"},
        ["_id = 1 AND \"Voteurs enregistrés\" = 33261 AND \"C.A.Q.-É.F.L.\" = 4059"]),
    "quebec_repertoire_municipalites_MUN_2022.csv": (
        "utf-8-sig", ",", 1, 0, "UTF-8", {"mcode": "string", "mcodpos": "string"},
        ["_id = 1 AND madr1 = '10, rue des Églises O.' AND mcodpos = 'J0E1B0'"]),
    "messytables/begrotingsanalyse-2011.csv": (
        "utf-8", ",", 4, 0, "UTF-8", {"provincie": "string"},
        ["_id = 2 AND provincie = 'Groningen'"]),
    "messytables/complex.csv": (
        "utf-8", ",", 1, 0, "UTF-8", {"another date": "date", "temperature": "integer"},
        ["_id = 3 AND temperature = 6000000 AND place = 'Galway'"]),
    "messytables/excel_pasting.csv": (
        "utf-8", ",", 4, 2, "UTF-8", {"2000": "integer"},
        ["_id = 1 AND \"Year\" = 'Timber' AND \"2000\" = 2666"]),
    "messytables/long.csv": ("utf-8", ",", 1, 0, "UTF-8", {"foo": "string"}, ["_id = 3999"]),
    "messytables/mixedGLB.csv": (
        "utf-8", ",", 4, 0, "UTF-8", {"Year": "integer"}, ["_id = 1 AND \"Year\" = 1880"]),
    "messytables/null.csv": (
        "utf-8", ",", 0, 0, "UTF-8", {"column_1": "integer", "column_2": "integer"},
        ["_id = 1 AND column_1 = 1 AND column_2 IS NULL"]),
    "messytables/simple.psv": (
        "utf-8", "|", 1, 0, "UTF-8", {"Year": "integer"},
        ["_id = 1 AND \"Year\" = 1986 AND \"New dwellings\" = 44000"]),
    "messytables/simple.ssv": (
        "utf-8", ";", 1, 0, "UTF-8", {"date": "date", "temperature": "integer"},
        ["_id = 4 AND place = 'Berkeley' AND date = DATE '2011-01-01'"]),
    "messytables/skip_initials.csv": (
        "utf-8", ",", 1, 0, "UTF-8", {}, ["_id = 2 AND field2 = 'goodbye2'"]),
    "messytables/spanish_chars.csv": (
        "cp1252", ",", 1, 0, "ISO-8859-1", {"Gasto total 2011": "number"},
        ["_id = 1 AND \"GF\" = 'Gobierno' AND \"Gasto total 2011\" = 229932.5",
         "\"F\" = 'Legislación'"]),
    "messytables/sparse_with_column_errors.csv": (
        "cp1252", ",", 1, 0, "ISO-8859-1", {},
        ["_id = 1 AND \"Bezeichnung\" LIKE 'Trägerorganisationen; Umstrukturierung%'"]),
    "messytables/utf-16le_encoded.csv": (
        "utf-16", ",", 1, 0, "UTF-16LE", {}, ["_id = 1"]),
    "messytables/utf8bom.csv": ("utf-8-sig", ",", 1, 0, "UTF-8", {"kitten": "string"}, []),
    "messytables/weird_head_padding.csv": (
        "utf-8", ";", 12, 16, "UTF-8", {"2010": "number"},
        ["_id = 2 AND column_1 = '      Gefäßchirurgie' AND \"2010\" = 733"]),
}


def test_corpus_is_fully_covered():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    found = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    assert found == set(CORPUS_FILES)


@pytest.mark.parametrize("name", sorted(CORPUS_FILES))
def test_corpus_file(tmp_path, name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    codec, delimiter, skip, footer, label, types, checks = CORPUS_FILES[name]
    dest = tmp_path / "out.parquet"
    result = ingest(str(path), str(dest))
    assert result.rows == independent_count(path, codec, delimiter, skip, footer=footer)
    assert result.encoding == label
    assert result.dialect["delimiter"] == delimiter
    got = {c["name"]: c["type"] for c in result.columns}
    assert {k: got.get(k) for k in types} == types
    for check in checks:
        matched = duckdb.sql(f"SELECT count(*) FROM {table(dest)} WHERE {check}")
        assert matched.fetchall()[0][0] == 1, check
    # No mojibake anywhere: no text cell holds the marks of a wrong decoding.
    texts = [c["name"] for c in result.columns if c["type"] == "string"]
    if texts:
        cond = " OR ".join(f"regexp_matches(\"{t}\", '[ÃÂ][\\x80-\\xbf]|\ufffd')" for t in texts)
        bad = duckdb.sql(f"SELECT count(*) FROM {table(dest)} WHERE {cond}").fetchall()[0]
        assert bad == (0,)


@pytest.mark.parametrize(("value", "ctype", "expected"), [
    ("1.5", ColumnType("integer", "."), None), ("1.234", ColumnType("integer", ","), 1234),
    ("1,5", ColumnType("integer", ","), None), ("2,666", ColumnType("integer", "."), 2666),
    ("1.234,5", ColumnType("number", ","), 1234.5), ("n/a", ColumnType("number", "."), None),
    ("1.5", ColumnType("integer", ","), None), ("1.5", ColumnType("number", ","), None),
    ("1.23", ColumnType("number", ","), None), ("1,5", ColumnType("number", "."), None),
    ("12,34", ColumnType("integer", "."), None), ("1e3", ColumnType("integer", "."), None),
    ("0x10", ColumnType("integer", "."), None), ("1_000", ColumnType("integer", "."), None),
    ("007", ColumnType("integer", "."), None), ("+5", ColumnType("integer", "."), 5),
    ("-0", ColumnType("integer", "."), 0), (" 1 234 ", ColumnType("integer", ","), 1234),
    ("-12", ColumnType("integer", "."), -12), ("9223372036854775808", ColumnType("integer", "."),
                                               None),
    ("nan", ColumnType("number", ","), None), ("inf", ColumnType("number", "."), None),
    ("-Infinity", ColumnType("number", ","), None),
    ("15/05/14", ColumnType("date", "%d/%m/%Y"), None), ("14-05-15", ColumnType("date", "%Y-%m-%d"),
                                                        None),
    ("15/05/214", ColumnType("date", "%d/%m/%Y"), None),
    ("15/05/2014", ColumnType("date", "%d/%m/%Y"), date(2014, 5, 15)),
    ("15/05/14 10:30", ColumnType("datetime", "%d/%m/%Y %H:%M"), None),
])
def test_sql_never_rounds_or_misreads(value, ctype, expected):
    assert duckdb.sql(f"SELECT {sql_parse(sql_string(value), ctype)}").fetchall()[0][0] == expected


def test_leading_zero_codes_after_the_sample_stay_text(tmp_path):
    body = "commune;code_postal\n" + "".join(f"c{i};{50000 + i % 999}\n" for i in range(9000))
    body += "Bény;01370\n"
    result, dest = load(tmp_path, body)
    assert col(result, "code_postal")["type"] == "string"
    assert rows_of(dest)[-1] == (9001, "Bény", "01370")
    assert result.report["problems"]["items"][0]["code"] == "type_fallback"


@pytest.mark.parametrize(("values", "late", "type_", "expected"), [
    ("{i}", "1.5", "string", "1.5"),  # a fractional value in an integer column
    ("{i}", "1,5", "string", "1,5"),
    ("{i}", "1e3", "string", "1e3"),
    ("{i}", "-007", "string", "-007"),
    ("{i},5", "1.5", "string", "1.5"),  # a point where the sample wrote decimal commas
    ("{i},5", "007,5", "string", "007,5"),
    ("{i}.5", "1,5", "string", "1,5"),  # a comma where the sample wrote decimal points
    ("{i}.5", "inf", "string", "inf"),
    ("{i},5", "nan", "number", None),  # a null marker, as in the sample
    ("{d}/05/2014", "15/05/14", "string", "15/05/14"),  # a two-digit year
    ("{i}", "+12", "integer", 12),
    ("{i}", " 1 234 ", "integer", 1234),
    ("{i},5", "1 234,5 €", "number", 1234.5),
])
def test_values_after_the_sample_are_never_misread(tmp_path, values, late, type_, expected):
    """Cells the sample did not show are read as the Python parsers read them, or kept as text."""
    body = "n;v\n" + "".join(f"{i};{values.format(i=i + 1, d=i % 28 + 1)}\n" for i in range(4000))
    result, dest = load(tmp_path, body + f"4001;{late}\n")
    assert col(result, "v")["type"] == type_
    assert rows_of(dest)[-1] == (4001, 4001, expected)
    if type_ == "string":
        assert result.report["problems"]["items"][0]["code"] == "type_fallback"
        assert rows_of(dest)[0][2] == values.format(i=1, d=1)


@pytest.mark.parametrize(("rows", "tail"), [(400_000, ""), (150_000, "0;ligne;trop;longue\n")])
def test_ids_follow_the_file_order_when_read_in_parallel(tmp_path, rows, tail):
    """Several threads read and type the rows; _id is still each row's position in the file."""
    body = "n;libellé;montant\n" + "".join(
        f"{i};Contrat de déneigement secteur {i % 977};{i % 1000},5\n" for i in range(1, rows + 1))
    result, dest = load(tmp_path, body + tail, threads=2)
    assert result.report["path"] == ("careful" if tail else "fast")
    out_of_order = duckdb.sql(f"SELECT count(*) FROM {table(dest)} "
                              f"WHERE _id <> n AND n > 0").fetchall()[0][0]
    assert out_of_order == 0 and result.rows == rows + (1 if tail else 0)
