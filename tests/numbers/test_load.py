"""Loading numbers: CSV import and ranges, idempotent, with a report of every refused line."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from orion.numbers.exceptions import InvalidNumber
from orion.numbers.models import DID, DIDEvent
from orion.numbers.services import (
    numbers_add_range,
    numbers_demo_load,
    numbers_import,
)

pytestmark = pytest.mark.django_db

CSV = """number,rate center,state
2125550100,NWYRCYZN01,NY
+1 (212) 555-0101,NWYRCYZN01,ny
12125550102
1235550100,X,NY
9115550100
2124110100
212555
2125550100,duplicate,NY
2125550103,X,ZZ

3035550100,DENVER,CO
"""


def test_import_reports_every_rejected_line_and_is_idempotent():
    first = numbers_import(lines=CSV.splitlines())
    assert first.added == 4
    rejected = {line: reason for line, _text, reason in first.rejected}
    assert set(rejected) == {5, 6, 7, 8, 9, 10}
    assert "NPA must start with a digit from 2 to 9" in rejected[5]
    assert "N11" in rejected[6] and "N11" in rejected[7]
    assert "10 digits" in rejected[8]
    assert "duplicate of line 2" in rejected[9]
    assert "state" in rejected[10]
    did = DID.objects.get(e164="+12125550101")
    assert (did.npa, did.nxx, did.region, did.state) == ("212", "555", "NY", "available")
    assert DIDEvent.objects.filter(did=did, from_state="", to_state="available").count() == 1

    second = numbers_import(lines=CSV.splitlines())
    assert second.added == 0 and second.already_present == 4
    assert DID.objects.count() == 4 and DIDEvent.objects.count() == 4


def test_add_range_is_idempotent_and_bounded():
    result = numbers_add_range(spec="2125550100-2125550199", region="NY")
    assert result.added == 100 and not result.rejected
    again = numbers_add_range(spec="+12125550150-+12125550249")
    assert again.added == 50 and again.already_present == 50
    assert DID.objects.filter(npa="212", nxx="555").count() == 150
    for bad, why in [("2125550199-2125550100", "before the first"),
                     ("2125550100-2125560100", "same NPA-NXX"),
                     ("2125550100", "FIRST-LAST"),
                     ("1235550100-1235550199", "NPA")]:
        with pytest.raises(InvalidNumber) as exc:
            numbers_add_range(spec=bad)
        assert why in exc.value.message


def test_command_import_add_range_and_expire(tmp_path, capsys):
    path = tmp_path / "numbers.csv"
    path.write_text(CSV)
    with pytest.raises(SystemExit) as exit_info:
        call_command("numbers", "import", str(path))
    assert exit_info.value.code == 1  # some lines were refused
    out = capsys.readouterr()
    assert "4 added" in out.out and "6 rejected" in out.out
    assert "line 6: 9115550100: rejected:" in out.err
    call_command("numbers", "add-range", "3035550100-3035550109", "--state", "CO")
    assert "9 added, 1 already" in capsys.readouterr().out
    call_command("numbers", "expire")
    assert "0 expired reservations freed" in capsys.readouterr().out


def test_demo_numbers_cover_the_demo_cities_with_one_nearly_empty_nxx():
    result = numbers_demo_load()
    assert result.added >= 3000 and not result.rejected
    assert set(DID.objects.values_list("npa", flat=True).distinct()) == {
        "212", "303", "512", "312", "213", "305", "206", "888", "877"}  # toll-free: 888, 877
    assert DID.objects.filter(npa="206", nxx="432").count() == 3
    from orion.numbers.models import NumberBlock

    seattle = NumberBlock.objects.get(npa="206", nxx="555")
    assert (seattle.rate_center, seattle.locality, seattle.region) == ("SEATTLE", "Seattle",
                                                                       "WA")
    assert seattle.zip_codes == ["98101", "98104"]
    assert numbers_demo_load().added == 0


@pytest.mark.django_db
def test_import_of_a_file_that_is_not_utf8_is_one_clear_error(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "numbers.csv"
    path.write_bytes(b"number\n2125550100\n\xff\xfe broken\n")
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("numbers", "import", str(path))
    assert not DID.objects.exists()
