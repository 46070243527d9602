"""Customers to and from CSV: Excel-friendly encoding, updates by id, row-numbered errors."""

import csv

import pytest
import sqlalchemy as sa

from server.access import Access
from server.csv_io import COLUMNS, CsvError, export_customers, import_customers
from server.extensions import db, sync_tables
from server.models import Customer, User
from server.seed import seed_demo
from server.sync_registry import registry
from sync.engine import CHECKSUM_MOD, record_hash
from sync.pull import scope_checksum


@pytest.fixture
def demo(app):
    return seed_demo()


def user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path, rows, columns=COLUMNS):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def customer_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Customer))


def assert_checksum_consistent(email):
    policy = Access.for_user(db.session, user(email))
    total, count = 0, 0
    for spec in registry.specs.values():
        query = sa.select(spec.table.c.id, spec.table.c.seq).where(
            spec.table.c.deleted.is_(False))
        if spec.scope_column is not None:
            query = query.where(policy.read_filter(spec.name, spec.table.c[spec.scope_column]))
        for key, seq in db.session.execute(query):
            total += record_hash(spec.name, key, seq)
            count += 1
    assert scope_checksum(db.session, registry, policy) == (total % CHECKSUM_MOD, count)


def test_export_is_utf8_with_bom_and_keeps_chinese(demo, runner, tmp_path):
    path = tmp_path / "customers.csv"
    result = runner.invoke(args=["export-customers", str(path), "--owner", "rep1@demo"])
    assert result.exit_code == 0, result.output
    assert "exported 12 customers" in result.output
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read(path)
    assert list(rows[0]) == list(COLUMNS)
    assert {row["owner"] for row in rows} == {"rep1@demo"}
    names = {row["name"] for row in rows}
    assert "无锡华光电力设备有限公司" in names and "Northwind Hospital Group" in names
    assert all(row["business"] and row["budget"] for row in rows)  # background, opportunity
    everyone = runner.invoke(args=["export-customers", str(tmp_path / "all.csv")])
    assert "exported 24 customers" in everyone.output


def test_round_trip_updates_rather_than_duplicates(demo, runner, tmp_path):
    path = tmp_path / "customers.csv"
    export_customers(path, owner_id=user("rep1@demo").id)
    rows = read(path)
    # Unchanged: nothing written.
    head = db.session.scalar(sa.select(sync_tables.state.c.seq))
    same = runner.invoke(args=["import-customers", str(path), "--owner", "rep1@demo"])
    assert same.exit_code == 0, same.output
    assert "0 new and 0 updated customers, 12 unchanged" in same.output
    assert db.session.scalar(sa.select(sync_tables.state.c.seq)) == head
    # Edit two fields of one customer, in Chinese.
    target = rows[1]
    target["city"] = "苏州市姑苏区"
    target["main_problem"] = "门诊楼扩建,需要新的配电方案;预算 300 万元"
    target["abc_class"] = "A"
    write(path, rows)
    result = runner.invoke(args=["import-customers", str(path), "--owner", "rep1@demo"])
    assert result.exit_code == 0, result.output
    assert "0 new and 1 updated customers, 11 unchanged" in result.output
    assert customer_count() == 24
    db.session.expire_all()
    customer = db.session.get(Customer, target["id"])
    assert customer.city == "苏州市姑苏区"
    assert customer.main_problem == "门诊楼扩建,需要新的配电方案;预算 300 万元"
    assert customer.abc_class == "A"
    assert customer.seq > head  # phones will pull the change
    log = sync_tables.change_log
    entry = db.session.execute(sa.select(log).where(log.c.record_id == customer.id)
                               .order_by(log.c.seq.desc())).first()
    assert entry.client_id == "csv-import" and entry.user_id == user("rep1@demo").id
    assert set(entry.changes) <= {"city", "main_problem", "abc_class"}
    assert_checksum_consistent("rep1@demo")
    assert_checksum_consistent("manager@demo")


def test_bad_rows_are_reported_by_row_number_and_not_imported(demo, runner, tmp_path):
    path = tmp_path / "customers.csv"
    export_customers(path, owner_id=user("rep2@demo").id)
    rows = read(path)
    blank = dict.fromkeys(COLUMNS, "")
    rows += [
        {**blank, "name": "杭州新华书店有限公司", "city": "杭州", "abc_class": "B",
         "ka_purchase_volume": "4", "business": "图书零售"},  # row 14: good
        {**blank, "name": "Bad Class Ltd", "abc_class": "Z"},  # row 15
        {**blank, "name": "坏邮箱公司", "email": "not-an-email"},  # row 16
        {**blank, "city": "无名"},  # row 17: no name
        {**blank, "name": "Criteria Co", "ka_price_sensitivity": "9"},  # row 18
    ]
    rows[0]["loyalty"] = "very_loyal"  # row 2: an existing customer, bad value
    write(path, rows)
    before = db.session.get(Customer, rows[0]["id"]).loyalty
    result = runner.invoke(args=["import-customers", str(path), "--owner", "rep2@demo"])
    assert result.exit_code == 1
    errors = result.output
    for line in ("row 2: loyalty", "row 15: abc_class", "row 16: email", "row 17: name",
                 "row 18: key_account_criteria"):
        assert line in errors, line
    assert "row 14" not in errors
    assert "1 new and 0 updated customers, 11 unchanged, 5 rows refused" in errors
    names = set(db.session.scalars(sa.select(Customer.name)))
    assert "杭州新华书店有限公司" in names
    assert not names & {"Bad Class Ltd", "坏邮箱公司", "Criteria Co"}
    db.session.expire_all()
    assert db.session.get(Customer, rows[0]["id"]).loyalty == before
    new = db.session.scalar(sa.select(Customer).where(Customer.name == "杭州新华书店有限公司"))
    assert new.owner_id == user("rep2@demo").id
    assert new.key_account_criteria == {"purchase_volume": 4}
    assert_checksum_consistent("rep2@demo")


def test_dry_run_writes_nothing(demo, runner, tmp_path):
    path = tmp_path / "new.csv"
    write(path, [{"name": "Dry Run GmbH", "city": "上海"}], columns=["name", "city"])
    result = runner.invoke(args=["import-customers", str(path), "--owner", "rep1@demo",
                                 "--dry-run"])
    assert result.exit_code == 0 and "would import 1 new" in result.output
    assert customer_count() == 24


def test_someone_elses_customers_are_refused(demo, tmp_path):
    path = tmp_path / "rep1.csv"
    export_customers(path, owner_id=user("rep1@demo").id)
    rows = read(path)
    rows[0]["city"] = "changed"
    write(path, rows)
    report = import_customers(path, user("rep2@demo"))
    # rep2 sees one of rep1's customers (it is shared with them), not the others
    refused = {number for number, _errors in report.errors}
    assert len(refused) == 11
    assert report.created == 0


def test_whole_file_problems(demo, tmp_path):
    owner = user("rep1@demo")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("name,colour\nA,red\n", encoding="utf-8")
    with pytest.raises(CsvError, match="unknown columns: colour"):
        import_customers(unknown, owner)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,city\n无锡华光,无锡\n".encode("gbk"))
    with pytest.raises(CsvError, match="not UTF-8"):
        import_customers(gbk, owner)
    no_bom = tmp_path / "plain.csv"
    no_bom.write_text("name,city\n常州新客户,常州\n", encoding="utf-8")
    assert import_customers(no_bom, owner).created == 1


def test_formula_cells_are_defused_and_survive_a_round_trip(demo, tmp_path):
    owner = user("rep1@demo")
    path = tmp_path / "new.csv"
    write(path, [{"name": "=HYPERLINK(\"http://evil\")", "phone": "+86 21 5555 0101"}],
          columns=["name", "phone"])
    report = import_customers(path, owner)
    assert report.created == 1 and not report.errors
    export = tmp_path / "out.csv"
    export_customers(export, owner_id=owner.id)
    row = next(r for r in read(export) if "HYPERLINK" in r["name"])
    assert row["name"].startswith("'=")  # Excel shows it as text, not a formula
    assert row["phone"] == "+86 21 5555 0101"
    again = import_customers(export, owner)
    assert again.unchanged == 13 and again.updated == 0 and not again.errors
    stored = db.session.scalar(sa.select(Customer.name).where(Customer.id == again.ids[-1]))
    assert stored == "=HYPERLINK(\"http://evil\")"
